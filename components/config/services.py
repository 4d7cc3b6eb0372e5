"""The checks of ``services``: each service parsed, its rules, and the statement that Azure
API for FHIR was retired."""

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

# Azure API for FHIR was retired on 30 September 2026 (learn.microsoft.com/azure/
# healthcare-apis/fhir/migration-faq: "Azure API for FHIR will be retired on September 30,
# 2026"); this release is later, so the warning states it as done.
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
            f"{path}: this service's kind was retired (details withheld: services is secret); "
            "see docs/configuration.md, services, kind"
        )
        return
    run.warnings.append(
        f"{path}: Azure API for FHIR (kind: api-for-fhir) was retired on 30 September 2026; "
        "the stack keeps the role assignments that exist on it and creates nothing new for it. "
        "Move its clients to a FHIR service of Azure Health Data Services "
        f"(docs/api-for-fhir-migration.md, {API_FOR_FHIR_MIGRATION}) and declare that service "
        "with kind: fhir"
    )
