"""The policy pack's mandatory rules over the real program's resource graph."""

from typing import Any

from policy.rules import validate_resources
from tests.conftest import NOW, Runner


def _graph(result: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(r.type, r.inputs) for r in result.resources if r.custom]


def test_dev_stack_passes_every_mandatory_rule(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    assert validate_resources(_graph(result), now=result_now()) == []


def result_now() -> Any:
    return NOW


def test_a_bad_graph_trips_the_expected_rules(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config)
    graph = _graph(result)
    tampered = []
    for type_, props in graph:
        props = dict(props)
        if type_.endswith("ApplicationRegistration"):
            props["signInAudience"] = "AzureADMultipleOrgs"
            props["implicitAccessTokenIssuanceEnabled"] = True
        if type_.endswith("RoleAssignment"):
            props["principalType"] = "User"
            owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
            props["roleDefinitionId"] = props["roleDefinitionId"].rsplit("/", 1)[0] + "/" + owner
        if type_.endswith("ApplicationPassword"):
            props["endDate"] = "2031-01-01T00:00:00Z"
        tampered.append((type_, props))
    tampered.append(("azuread:index/application:Application", {"displayName": "legacy"}))
    policies = {name for name, _ in validate_resources(tampered, now=result_now())}
    assert policies == {
        "entra-single-tenant-audience",
        "entra-no-implicit-grant",
        "entra-password-max-lifetime",
        "entra-no-legacy-application",
        "healthcare-role-assignment-scope",
        "healthcare-role-assignment-no-privileged-role",
    }
