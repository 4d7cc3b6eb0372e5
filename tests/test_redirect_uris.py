"""Every copy of the redirect URI rules against the one table in tests/redirect_uri_cases.py:
the config's validation, the fake tenant (the provider's check, then Graph's write), the Graph
fake that the real provider talks to under the engine, and the policy pack."""

from __future__ import annotations

import pytest

from components import provider_resources as types
from components.config import provider_uri_problem
from policy import settings, wire
from testbed.graph import redirect_uri_problem
from testbed.graphapi.directory import Directory, Request
from testbed.graphapi.odata import GraphError
from testbed.tenant import ProviderError, Tenant, new_state
from tests.components.config.test_validation import problems, with_app
from tests.policy.test_policy_rules import run_policy
from tests.redirect_uri_cases import (
    CASES,
    CONFIG_KEY,
    RedirectCase,
    refused_by_config,
    refused_by_fake,
    refused_by_policy,
)

each_case = pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])


def test_the_table_has_no_case_twice() -> None:
    keys = [(case.uri, case.platform) for case in CASES]
    assert len(keys) == len(set(keys))


@each_case
def test_the_configs_copy_of_the_provider_check(case: RedirectCase) -> None:
    assert provider_uri_problem(case.uri) == case.provider


@each_case
def test_the_fakes_copy_of_the_provider_check(case: RedirectCase) -> None:
    assert redirect_uri_problem(case.uri) == case.provider


@each_case
def test_the_config(case: RedirectCase) -> None:
    found = problems(with_app(redirectUris={CONFIG_KEY[case.platform]: [case.uri]}))
    assert bool(found) == refused_by_config(case), found
    if found:
        assert found[0].startswith(f"applications.app.redirectUris.{CONFIG_KEY[case.platform]}")


@each_case
def test_the_fake_tenant(case: RedirectCase) -> None:
    """Check refuses what the provider refuses; the write, what Entra refuses."""
    tenant = Tenant(new_state())
    registration, _ = tenant.check(types.APPLICATION_REGISTRATION.token, {"displayName": "app"})
    app_id, _ = tenant.create(types.APPLICATION_REGISTRATION.token, "app", registration)
    token = types.REDIRECT_URIS.token
    inputs = {"applicationId": app_id, "type": case.platform, "redirectUris": [case.uri]}
    checked, failures = tenant.check(token, inputs)
    assert bool(failures) == (case.provider is not None), failures
    if failures:
        assert failures[0].reason == f'{case.provider} for "redirect_uris"'
        return
    if refused_by_fake(case):
        graph_property = {"Web": "web", "SPA": "spa", "PublicClient": "publicClient"}
        refusal = f"Invalid value specified for property '{graph_property[case.platform]}'"
        with pytest.raises(ProviderError, match=refusal):
            tenant.create(token, "uris", checked)
    else:
        tenant.create(token, "uris", checked)
        (app,) = tenant.applications.values()
        assert app["redirectUris"][case.platform] == [case.uri]


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if case.provider is None],
    ids=[case.id for case in CASES if case.provider is None],
)
def test_the_graph_fake(case: RedirectCase) -> None:
    """What reaches Graph passed the real provider's check; Graph refuses what Entra does."""
    directory = Directory(Tenant(new_state()), born=lambda _: False)
    wire_name = {"Web": "web", "SPA": "spa", "PublicClient": "publicClient"}[case.platform]
    body = {"displayName": "app", wire_name: {"redirectUris": [case.uri]}}
    request = Request("POST", ["applications"], {}, body, "https://graph.loopback.test/v1.0")
    if case.entra is None:
        status, created = directory.handle(request)
        assert status == 201
        assert created is not None
        assert created[wire_name]["redirectUris"] == [case.uri]
    else:
        with pytest.raises(GraphError) as refused:
            directory.handle(request)
        assert (refused.value.status, refused.value.code) == (400, "Request_BadRequest")
        assert refused.value.message == (
            f"Invalid value specified for property '{wire_name}' of resource 'Application'."
        )


@each_case
def test_the_policy_pack(case: RedirectCase) -> None:
    props = {"type": case.platform, "redirectUris": [case.uri]}
    found = run_policy(settings.REDIRECT_URIS, wire.APPLICATION_REDIRECT_URIS, props)
    assert bool(found) == refused_by_policy(case), found
