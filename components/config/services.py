"""The checks of ``services``: each service parsed, its rules, and the retirement warning of
Azure API for FHIR."""

from datetime import UTC, datetime
from typing import Any

from components.config import partial
from components.config.checking import (
    DeclaredServices,
    Run,
    as_mapping,
    parse_entry,
    report_rules,
    valid_name,
)
from components.config.disclosure import Say
from components.config.models import ServiceSettings, service_rules
from components.errors import join_path

# Azure API for FHIR: retired on 30 September 2026 (azure.microsoft.com/updates/
# azure-api-for-fhir-retirement; learn.microsoft.com/azure/healthcare-apis/fhir/migration-faq).
API_FOR_FHIR_RETIREMENT = datetime(2026, 9, 30, tzinfo=UTC)
API_FOR_FHIR_MIGRATION = (
    "https://learn.microsoft.com/azure/healthcare-apis/fhir/migration-strategies"
)


def check_services(value: Any, run: Run) -> DeclaredServices:
    say = run.say("services")
    raw = as_mapping(value, "services", say, run)
    kinds: dict[str, str] = {}
    complete: dict[str, ServiceSettings] = {}
    for name, entry in raw.items():
        path = join_path("services", say.key(name, raw))
        if not valid_name(name, path, say, run):
            continue
        service, whole = parse_entry(ServiceSettings, entry, path, say, run)
        if service is partial.MISSING:
            continue
        failed = service.failed_fields
        if "kind" not in failed:
            kinds[name] = service.kind
            _retirement_warning(service.kind, path, say, run)
        broken = report_rules(path, service_rules(service, failed), say, run)
        if whole and not broken:
            complete[name] = service
    return DeclaredServices(tuple(str(k) for k in raw), kinds, complete)


def _retirement_warning(kind: str, path: str, say: Say, run: Run) -> None:
    if kind != "api-for-fhir":
        return
    if say.secret:
        run.warnings.append(
            f"{path}: this service's kind is retired or retiring (details withheld: services is "
            "secret); see docs/configuration.md, services, kind"
        )
        return
    day = API_FOR_FHIR_RETIREMENT.date().isoformat()
    when = f"was retired on {day}" if run.now >= API_FOR_FHIR_RETIREMENT else f"retires on {day}"
    run.warnings.append(
        f"{path}: Azure API for FHIR (kind: api-for-fhir) {when}; migrate to the FHIR service "
        f"of Azure Health Data Services ({API_FOR_FHIR_MIGRATION}), then declare that service "
        "with kind: fhir"
    )
