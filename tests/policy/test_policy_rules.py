"""Policy pack rules, run through the real ``pulumi_policy`` policy objects (the GitHub
workflows' properties are in tests/tools/test_workflows.py).

Resources are written in wire format (camelCase), as the engine hands them to the pack.
``policy/__main__.py`` is never imported: constructing ``PolicyPack`` blocks forever.

Longer than 400 lines: each rule passes and fails through the real policy objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy import rules, settings, wire
from policy.policies import POLICIES_BY_NAME, build_policies
from tests.conftest import ROOT

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
FHIR_SCOPE = (
    f"{SUB}/resourceGroups/rg-health/providers/Microsoft.HealthcareApis/workspaces/ws/"
    "fhirservices/fhir"
)
OWNER_ROLE = (
    f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/5a1fc7df-4bf1-4951-a576-89034ee01acd"
)


def _opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )


def _urn(resource_type: str, name: str) -> str:
    return f"urn:pulumi:dev::healthcare-clients::{resource_type}::{name}"


def run_policy(
    policy_name: str,
    resource_type: str,
    props: Mapping[str, Any],
    config: Mapping[str, Any] | None = None,
    now: datetime = NOW,
) -> list[str]:
    """Validate one resource with the named policy as the engine would (props behind the
    unknown-checking proxy); returns the violation messages."""
    policy = {p.name: p for p in build_policies(now=lambda: now)}[policy_name]
    args = ResourceValidationArgs(
        resource_type,
        unknown_checking_proxy(dict(props)),
        _urn(resource_type, "r"),
        "r",
        _opts(),
        None,
        config,
    )
    assert isinstance(policy, ResourceValidationPolicy)
    violations: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        violations.append(message)

    policy.validate(args, report)
    return violations


REG = wire.APPLICATION_REGISTRATION
PWD = wire.APPLICATION_PASSWORD
URIS = wire.APPLICATION_REDIRECT_URIS
RA = wire.ROLE_ASSIGNMENT
FIC = wire.FEDERATED_CREDENTIAL
OWNER = wire.APPLICATION_OWNER


# --- one passing and one violating resource per rule -------------------------------------------

CASES: list[tuple[str, str, dict[str, Any], dict[str, Any], str]] = [
    (
        settings.SINGLE_TENANT,
        REG,
        {"displayName": "postman", "signInAudience": "AzureADMyOrg"},
        {"displayName": "postman", "signInAudience": "AzureADMultipleOrgs"},
        "single-tenant",
    ),
    (
        settings.NO_IMPLICIT_GRANT,
        REG,
        {"displayName": "spa", "implicitAccessTokenIssuanceEnabled": False},
        {"displayName": "spa", "implicitAccessTokenIssuanceEnabled": True},
        "implicit-grant access",
    ),
    (
        settings.PASSWORD_LIFETIME,
        PWD,
        {"applicationId": "/applications/1", "endDate": "2026-09-01T12:00:00Z"},
        {"applicationId": "/applications/1", "endDate": "2028-03-02T12:00:00Z"},
        "more than 24 months",
    ),
    (
        settings.NO_LEGACY_APPLICATION,
        wire.APPLICATION_REGISTRATION,
        {"displayName": "granular"},
        {"displayName": "legacy"},
        "azuread.Application is not allowed",
    ),
    (
        settings.REDIRECT_URIS,
        URIS,
        {
            "applicationId": "/applications/1",
            "type": "Web",
            "redirectUris": ["https://oauth.pstmn.io/v1/callback", "http://localhost:8080/cb"],
        },
        {
            "applicationId": "/applications/1",
            "type": "Web",
            "redirectUris": ["http://app.contoso.com/cb"],
        },
        "not loopback",
    ),
    (
        settings.ROLE_ASSIGNMENT_SCOPE,
        RA,
        {"scope": FHIR_SCOPE, "principalId": "sp", "principalType": "ServicePrincipal"},
        {"scope": SUB, "principalId": "sp", "principalType": "ServicePrincipal"},
        "not a Microsoft.HealthcareApis resource",
    ),
    (
        settings.NO_PRIVILEGED_ROLE,
        RA,
        {"scope": FHIR_SCOPE, "principalType": "ServicePrincipal", "roleDefinitionId": OWNER_ROLE},
        {
            "scope": FHIR_SCOPE,
            "principalType": "ServicePrincipal",
            "roleDefinitionId": f"{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
            "8E3AF657-A8FF-443C-A75C-2FE8C4BCB635",
        },
        "roleDefinitionId is the built-in role 'Owner', which can grant access or administer "
        "resources: a client application holds a FHIR or DICOM data role, or a custom role with "
        "data actions only.",
    ),
    (
        settings.FEDERATED_SUBJECT,
        FIC,
        {
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/loader:ref:refs/heads/main",
            "audiences": ["api://AzureADTokenExchange"],
        },
        {
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/loader:*",
            "audiences": ["api://AzureADTokenExchange"],
        },
        "wildcard",
    ),
]


@pytest.mark.parametrize(("policy_name", "rtype", "good", "bad", "expected"), CASES)
def test_rule_passes_good_and_flags_bad(
    policy_name: str, rtype: str, good: dict[str, Any], bad: dict[str, Any], expected: str
) -> None:
    assert run_policy(policy_name, rtype, good) == []
    bad_type = wire.APPLICATION_LEGACY if policy_name == settings.NO_LEGACY_APPLICATION else rtype
    violations = run_policy(policy_name, bad_type, bad)
    assert len(violations) == 1, violations
    assert expected in violations[0]


def test_every_mandatory_rule_has_a_case() -> None:
    assert {c[0] for c in CASES} == {spec.name for spec in rules.RESOURCE_RULES}


# --- rule details -------------------------------------------------------------------------------


def test_absent_audience_is_the_single_tenant_default() -> None:
    assert run_policy(settings.SINGLE_TENANT, REG, {"displayName": "x"}) == []


@pytest.mark.parametrize(
    "audience", ["AzureADandPersonalMicrosoftAccount", "PersonalMicrosoftAccount"]
)
def test_other_audiences_are_flagged(audience: str) -> None:
    assert run_policy(settings.SINGLE_TENANT, REG, {"signInAudience": audience})


def test_implicit_id_tokens_are_flagged_too() -> None:
    props = {"implicitAccessTokenIssuanceEnabled": True, "implicitIdTokenIssuanceEnabled": True}
    assert len(run_policy(settings.NO_IMPLICIT_GRANT, REG, props)) == 2


def test_password_without_end_date_is_flagged() -> None:
    (message,) = run_policy(settings.PASSWORD_LIFETIME, PWD, {"applicationId": "/applications/1"})
    assert "no endDate" in message


def test_password_with_only_relative_end_is_flagged() -> None:
    props = {"applicationId": "/applications/1", "endDateRelative": "4320h"}
    (message,) = run_policy(settings.PASSWORD_LIFETIME, PWD, props)
    assert "endDateRelative is deprecated" in message


def test_password_measured_from_start_date_when_set() -> None:
    props = {"startDate": "2027-01-01T00:00:00Z", "endDate": "2028-12-31T00:00:00Z"}
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, props) == []
    props["endDate"] = "2029-01-01T00:00:01Z"
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, props)


def test_password_exactly_at_the_limit_passes() -> None:
    props = {"endDate": "2028-03-01T12:00:00Z"}  # NOW + 24 months
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, props) == []


def test_password_end_before_start_and_bad_dates_are_flagged() -> None:
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, {"endDate": "2026-01-01T00:00:00Z"})
    (message,) = run_policy(settings.PASSWORD_LIFETIME, PWD, {"endDate": "next year"})
    assert "RFC 3339" in message


def test_password_clock_is_injectable() -> None:
    props = {"endDate": "2030-01-01T00:00:00Z"}
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, props, now=NOW)
    assert (
        run_policy(settings.PASSWORD_LIFETIME, PWD, props, now=datetime(2028, 6, 1, tzinfo=UTC))
        == []
    )


# Which URIs the rule accepts: tests/test_redirect_uris.py, against the shared table.


def test_each_bad_redirect_is_reported() -> None:
    props = {"type": "Web", "redirectUris": ["http://a.example/", "https://ok.example/", "x:y"]}
    assert len(run_policy(settings.REDIRECT_URIS, URIS, props)) == 2


@pytest.mark.parametrize(
    "scope",
    [
        FHIR_SCOPE,
        FHIR_SCOPE.lower(),
        f"{SUB}/resourceGroups/rg/providers/microsoft.healthcareapis/workspaces/ws/dicomservices/d",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.HealthcareApis/services/api-for-fhir",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/ws",
    ],
)
def test_role_assignment_healthcare_scopes_pass(scope: str) -> None:
    props = {"scope": scope, "principalType": "ServicePrincipal", "roleDefinitionId": OWNER_ROLE}
    assert run_policy(settings.ROLE_ASSIGNMENT_SCOPE, RA, props) == []


@pytest.mark.parametrize(
    "scope",
    [
        SUB,
        f"{SUB}/resourceGroups/rg",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
        f"{SUB}/resourceGroups/rg/providers/Microsoft.HealthcareApis",
        "/providers/Microsoft.HealthcareApis/workspaces/ws",
        f"{FHIR_SCOPE}/providers/Microsoft.Storage/storageAccounts/x",
    ],
)
def test_role_assignment_other_scopes_fail(scope: str) -> None:
    props = {"scope": scope, "principalType": "ServicePrincipal"}
    assert run_policy(settings.ROLE_ASSIGNMENT_SCOPE, RA, props)


@pytest.mark.parametrize("principal_type", ["User", "Group", None])
def test_role_assignment_requires_service_principal(principal_type: str | None) -> None:
    props: dict[str, Any] = {"scope": FHIR_SCOPE}
    if principal_type:
        props["principalType"] = principal_type
    (message,) = run_policy(settings.ROLE_ASSIGNMENT_SCOPE, RA, props)
    assert "ServicePrincipal" in message


@pytest.mark.parametrize(
    "subject", ["repo:contoso/loader:environment:prod?", "", "repo:contoso/*:pull_request", " x "]
)
def test_federated_subject_must_be_exact(subject: str) -> None:
    assert run_policy(settings.FEDERATED_SUBJECT, FIC, {"subject": subject})


def test_rules_ignore_other_resource_types() -> None:
    for spec in rules.RESOURCE_RULES:
        assert run_policy(spec.name, "azuread:index/group:Group", {"signInAudience": "x"}) == []


# --- unknown values during preview --------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy_name", "rtype", "props"),
    [
        (settings.SINGLE_TENANT, REG, {"signInAudience": UNKNOWN_STRING_VALUE}),
        (settings.PASSWORD_LIFETIME, PWD, {"endDate": UNKNOWN_STRING_VALUE}),
        (
            settings.ROLE_ASSIGNMENT_SCOPE,
            RA,
            {"scope": UNKNOWN_STRING_VALUE, "principalType": "ServicePrincipal"},
        ),
        (settings.FEDERATED_SUBJECT, FIC, {"subject": UNKNOWN_STRING_VALUE}),
        (settings.REDIRECT_URIS, URIS, {"type": "Web", "redirectUris": [UNKNOWN_STRING_VALUE]}),
    ],
)
def test_unknown_values_skip_instead_of_failing(
    policy_name: str, rtype: str, props: dict[str, Any]
) -> None:
    from pulumi_policy.proxy import UnknownValueError

    # Under the engine the proxy raises; the framework turns that into an advisory "can't run
    # during preview" diagnostic, never a violation.
    with pytest.raises(UnknownValueError):
        run_policy(policy_name, rtype, props)
    # On plain dictionaries (mock runtime) the rule skips the value.
    spec = next(s for s in rules.RESOURCE_RULES if s.name == policy_name)
    assert spec.rule(rtype, props, {}) == []


# --- configuration ------------------------------------------------------------------------------


def test_password_lifetime_limit_is_configurable() -> None:
    props = {"endDate": "2027-03-01T12:00:00Z"}  # 12 months
    assert run_policy(settings.PASSWORD_LIFETIME, PWD, props) == []
    cfg = {settings.MAX_PASSWORD_LIFETIME_MONTHS: 6}
    (message,) = run_policy(settings.PASSWORD_LIFETIME, PWD, props, config=cfg)
    assert "more than 6 months" in message


def test_bad_config_is_an_error_not_a_pass() -> None:
    with pytest.raises(ValueError, match="maxPasswordLifetimeMonths"):
        run_policy(
            settings.PASSWORD_LIFETIME,
            PWD,
            {"endDate": "2027-01-01T00:00:00Z"},
            {settings.MAX_PASSWORD_LIFETIME_MONTHS: 0},
        )


def test_config_schemas_are_declared() -> None:
    pwd_schema = POLICIES_BY_NAME[settings.PASSWORD_LIFETIME].config_schema
    owners_schema = POLICIES_BY_NAME[settings.MIN_OWNERS].config_schema
    assert pwd_schema is not None
    assert owners_schema is not None
    assert pwd_schema.properties[settings.MAX_PASSWORD_LIFETIME_MONTHS]["default"] == 24
    assert owners_schema.properties[settings.MIN_OWNERS_KEY]["default"] == 2


def test_enforcement_levels() -> None:
    from pulumi_policy import EnforcementLevel

    for spec in rules.RESOURCE_RULES:
        assert POLICIES_BY_NAME[spec.name].enforcement_level == EnforcementLevel.MANDATORY
    assert POLICIES_BY_NAME[settings.MIN_OWNERS].enforcement_level == EnforcementLevel.ADVISORY


# --- stack policy: owners per application -------------------------------------------------------


def _resource(
    rtype: str,
    name: str,
    props: dict[str, Any],
    property_dependencies: dict[str, list[PolicyResource]] | None = None,
) -> PolicyResource:
    return PolicyResource(
        rtype,
        unknown_checking_proxy(props),
        _urn(rtype, name),
        name,
        _opts(),
        None,
        None,
        [],
        property_dependencies or {},
    )


def run_stack(
    resources: list[PolicyResource], config: Mapping[str, Any] | None = None
) -> list[tuple[str, str | None]]:
    policy = POLICIES_BY_NAME[settings.MIN_OWNERS]
    assert isinstance(policy, StackValidationPolicy)
    found: list[tuple[str, str | None]] = []

    def report(message: str, urn: str | None = None) -> None:
        found.append((message, urn))

    policy.validate(StackValidationArgs(resources, config), report)
    return found


def _app(name: str, object_id: str) -> PolicyResource:
    return _resource(REG, name, {"displayName": name, "objectId": object_id})


def _owner(name: str, application_id: str, dep: PolicyResource | None = None) -> PolicyResource:
    deps = {"applicationId": [dep]} if dep is not None else None
    return _resource(OWNER, name, {"applicationId": application_id, "ownerObjectId": name}, deps)


def test_the_deployer_and_one_extra_owner_pass() -> None:
    # Entra makes the creating identity an owner; the stack declares only the extras.
    app = _app("postman", "obj-1")
    assert run_stack([app, _owner("alice", "/applications/obj-1")]) == []


def test_the_deployer_alone_is_reported_on_the_registration() -> None:
    app = _app("postman", "obj-1")
    (found,) = run_stack([app])
    assert "has 1 owner(s) (the deploying identity, and 0 in `owners`)" in found[0]
    assert found[1] == app.urn


def test_owners_of_an_app_outside_the_stack_are_counted_by_application_id() -> None:
    (found,) = run_stack([_owner("alice", "/applications/elsewhere")])
    assert "/applications/elsewhere" in found[0]


def test_unknown_application_id_is_attributed_by_dependency() -> None:
    app = _resource(REG, "postman", {"displayName": "postman", "objectId": UNKNOWN_STRING_VALUE})
    owner = _owner("alice", UNKNOWN_STRING_VALUE, dep=app)
    assert run_stack([app, owner]) == []
    assert run_stack([app, owner], {settings.MIN_OWNERS_KEY: 3})  # two owners only


def test_unattributable_owner_skips_rather_than_guessing() -> None:
    app = _app("postman", "obj-1")
    assert run_stack([app, _owner("alice", UNKNOWN_STRING_VALUE)]) == []


def test_min_owners_is_configurable() -> None:
    app = _app("postman", "obj-1")
    assert run_stack([app], {settings.MIN_OWNERS_KEY: 1}) == []
    two = [app, _owner("alice", "/applications/obj-1")]
    assert run_stack(two, {settings.MIN_OWNERS_KEY: 3})
    assert (
        run_stack([*two, _owner("bob", "/applications/obj-1")], {settings.MIN_OWNERS_KEY: 3}) == []
    )


# --- validate_resources (the whole-graph helper) ------------------------------------------------


def test_validate_resources_runs_every_mandatory_rule() -> None:
    good = [(c[1], c[2]) for c in CASES]
    assert rules.validate_resources(good, now=NOW) == []
    bad = [
        (wire.APPLICATION_LEGACY if c[0] == settings.NO_LEGACY_APPLICATION else c[1], c[3])
        for c in CASES
    ]
    names = [name for name, _ in rules.validate_resources(bad, now=NOW)]
    assert sorted(names) == sorted(c[0] for c in CASES)


def test_validate_resources_accepts_flat_and_per_policy_config() -> None:
    pwd = [(PWD, {"endDate": "2027-03-01T12:00:00Z"})]
    assert rules.validate_resources(pwd, now=NOW) == []
    assert rules.validate_resources(pwd, {settings.MAX_PASSWORD_LIFETIME_MONTHS: 6}, now=NOW)
    per_policy = {settings.PASSWORD_LIFETIME: {settings.MAX_PASSWORD_LIFETIME_MONTHS: 6}}
    assert rules.validate_resources(pwd, per_policy, now=lambda: NOW)


# --- the assembled pack, over the analyzer's gRPC protocol -------------------------------------


def test_assembled_pack_serves_every_policy_and_flags_a_bad_resource() -> None:
    """Start ``policy/__main__.py`` as the CLI would (it prints its port and blocks), then talk
    to it as the engine does: list the policies, and analyze one violating resource."""
    import subprocess
    import sys

    import grpc  # type: ignore[import-untyped]
    from google.protobuf import empty_pb2, struct_pb2  # type: ignore[import-untyped]
    from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "policy")],
        cwd=ROOT / "policy",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline().strip())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = analyzer_pb2_grpc.AnalyzerStub(channel)
            info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=20)
            assert info.name == "healthcare-clients-guardrails"
            names = {p.name for p in info.policies}
            assert names == {s.name for s in rules.RESOURCE_RULES} | {settings.MIN_OWNERS}
            props = struct_pb2.Struct()
            props.update({"displayName": "x", "signInAudience": "AzureADMultipleOrgs"})
            response = stub.Analyze(
                analyzer_pb2.AnalyzeRequest(
                    type=REG, properties=props, urn=_urn(REG, "x"), name="x"
                ),
                timeout=20,
            )
            flagged = {d.policyName for d in response.diagnostics}
            assert flagged == {settings.SINGLE_TENANT}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout:
            proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()


# --- tools.lint_workflows: the policy pack project checks -------------------------------------


def test_policy_project_file_is_valid() -> None:
    from tools.lint_workflows import policy_pack

    assert policy_pack.check_policy_project() == []


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        ("version: 0.1.0\n", "'runtime' is required"),
        ("runtime: python\n", "'version' is required"),
        ("runtime: nodejs\nversion: 0.1.0\n", "must be 'python'"),
        ("runtime: python\nversion: '1.0'\n", "not semantic versioning"),
        ("runtime: python\nversion: 0.1.0\nname: x\n", "unknown key 'name'"),
        ("runtime: {name: python, options: {venv: v}}\nversion: 0.1.0\n", "unknown runtime option"),
    ],
)
def test_policy_project_file_errors(tmp_path: Path, project: str, expected: str) -> None:
    from tools.lint_workflows import policy_pack

    (tmp_path / "PulumiPolicy.yaml").write_text(project)
    (tmp_path / "__main__.py").write_text("PolicyPack(name='ok-pack', policies=[])\n")
    messages = [f.message for f in policy_pack.check_policy_project(tmp_path)]
    assert any(expected in m for m in messages), messages


def test_policy_pack_name_and_config_are_checked(tmp_path: Path) -> None:
    from tools.lint_workflows import policy_pack

    (tmp_path / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 0.1.0\n")
    (tmp_path / "__main__.py").write_text("PolicyPack('bad name!', policies=[])\n")
    (tmp_path / "config.json").write_text(
        '{"entra-password-max-lifetime": {"maxPasswordLifetimeMonths": 36}, "nope": {}}'
    )
    messages = " | ".join(f.message for f in policy_pack.check_policy_project(tmp_path))
    assert "pack name 'bad name!'" in messages
    assert "36 is not an integer in [1, 24]" in messages
    assert "unknown policy 'nope'" in messages


def test_inline_zizmor_ignores_need_a_reason(tmp_path: Path) -> None:
    from tools.lint_workflows import cli, zizmor

    bare = tmp_path / "bare.yml"
    bare.write_text("env:\n  X: ${{ secrets.X }} # zizmor: ignore[secrets-outside-env]\n")
    explained = tmp_path / "explained.yml"
    explained.write_text(
        "env:\n  # Reason: the identity is bound to the pull_request subject.\n"
        "  X: ${{ secrets.X }} # zizmor: ignore[secrets-outside-env]\n"
    )
    assert len(zizmor.check_inline_ignores([bare])) == 1
    assert zizmor.check_inline_ignores([explained]) == []
    assert zizmor.check_inline_ignores(cli.workflow_files()) == []
