"""The resource graph of Pulumi.dev.yaml, as the engine would receive it."""

from collections import Counter
from typing import Any

import pulumi
import pytest

from testbed.fake_tenant import DEPLOYER_OBJECT_ID
from testbed.mockrun import MockRun
from tests.conftest import Runner

REGISTRATION = "azuread:index/applicationRegistration:ApplicationRegistration"
SERVICE_PRINCIPAL = "azuread:index/servicePrincipal:ServicePrincipal"
REDIRECTS = "azuread:index/applicationRedirectUris:ApplicationRedirectUris"
FALLBACK = "azuread:index/applicationFallbackPublicClient:ApplicationFallbackPublicClient"
OWNER = "azuread:index/applicationOwner:ApplicationOwner"
POSTMAN_CALLBACK = "https://www.getpostman.com/oauth2/callback"


@pytest.fixture
def dev(run: Runner, dev_config: dict[str, Any]) -> MockRun:
    return run(dev_config)


def test_dev_stack_registers_the_tutorial(dev: MockRun) -> None:
    counts = Counter(r.type for r in dev.resources if r.custom)
    assert counts == {
        REGISTRATION: 2,
        SERVICE_PRINCIPAL: 2,
        FALLBACK: 2,
        REDIRECTS: 1,
        "azuread:index/applicationPassword:ApplicationPassword": 4,
        "azuread:index/applicationApiAccess:ApplicationApiAccess": 1,
        "azuread:index/servicePrincipalDelegatedPermissionGrant:ServicePrincipalDelegatedPermissionGrant": 1,
        "azure-native:authorization:RoleAssignment": 3,
    }
    assert "azuread:index/application:Application" not in {r.type for r in dev.resources}


def test_registrations_are_single_tenant_without_implicit_grant(dev: MockRun) -> None:
    for registration in dev.of_type(REGISTRATION):
        assert registration.inputs["signInAudience"] == "AzureADMyOrg"
        assert registration.inputs["implicitAccessTokenIssuanceEnabled"] is False
        assert registration.inputs["implicitIdTokenIssuanceEnabled"] is False
    names = {r.name: r.inputs["displayName"] for r in dev.of_type(REGISTRATION)}
    assert names == {
        "postman": "Healthcare APIs - Postman",
        "backend": "Healthcare APIs - backend reader",
    }


def test_postman_callback_is_under_mobile_and_desktop_only(dev: MockRun) -> None:
    (redirect,) = dev.of_type(REDIRECTS)
    assert redirect.name == "postman-redirect-publicclient"
    assert redirect.inputs["type"] == "PublicClient"
    assert redirect.inputs["redirectUris"] == [POSTMAN_CALLBACK]
    postman = dev.named("postman")
    assert redirect.inputs["applicationId"] == postman.id


def test_public_client_flag_per_app(dev: MockRun) -> None:
    flags = {r.name: r.inputs["enabled"] for r in dev.of_type(FALLBACK)}
    assert flags == {"postman-public-client-flows": True, "backend-public-client-flows": False}


def test_a_public_client_toggle_deletes_the_old_flag_before_setting_the_new_one(
    dev: MockRun,
) -> None:
    # `enabled` forces a replacement, the ID is fixed per app and delete clears the flag:
    # created first, the new value would be cleared by the old one's delete.
    assert all(flag.delete_before_replace for flag in dev.of_type(FALLBACK))


def test_service_principal_is_bound_to_its_registration(dev: MockRun) -> None:
    for app in ("postman", "backend"):
        registration = next(r for r in dev.of_type(REGISTRATION) if r.name == app)
        sp = next(r for r in dev.of_type(SERVICE_PRINCIPAL) if r.name == f"{app}-sp")
        assert sp.inputs["clientId"] == registration.outputs["clientId"]


def test_the_deploying_identity_owns_the_service_principals_not_an_owner_resource(
    dev: MockRun,
) -> None:
    # Entra makes the creating identity an owner of each application; declaring it again
    # fails in the provider ("already exists"), so only extra owners are declared.
    assert dev.of_type(OWNER) == []
    for sp in dev.of_type(SERVICE_PRINCIPAL):
        assert sp.inputs["owners"] == [DEPLOYER_OBJECT_ID]


def test_extra_owners_are_declared_and_own_the_service_principal_too(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    extra = "11111111-2222-4333-8444-555555555555"
    dev_config["applications"]["backend"]["owners"] = [extra]
    result = run(dev_config)
    (owner,) = result.of_type(OWNER)
    assert (owner.name, owner.inputs["ownerObjectId"]) == (f"backend-owner-{extra}", extra)
    assert owner.inputs["applicationId"] == result.named("backend").id
    assert result.named("backend-sp").inputs["owners"] == [DEPLOYER_OBJECT_ID, extra]
    assert result.named("postman-sp").inputs["owners"] == [DEPLOYER_OBJECT_ID]


def test_a_pinned_deployer_owns_the_service_principals_whoever_previews(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # A pull-request preview runs as the read-only identity: the owners must not follow it.
    pinned = "99999999-8888-4777-8666-555555555555"
    dev_config["deployerObjectId"] = pinned
    result = run(dev_config, preview=True)
    assert {tuple(sp.inputs["owners"]) for sp in result.of_type(SERVICE_PRINCIPAL)} == {(pinned,)}


def test_an_update_by_another_identity_than_the_pinned_deployer_fails(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    dev_config["deployerObjectId"] = "99999999-8888-4777-8666-555555555555"
    with pytest.raises(pulumi.RunError) as error:
        run(dev_config)
    message = str(error.value)
    assert f"deployerObjectId: `pulumi up` runs as {DEPLOYER_OBJECT_ID}, not as" in message
    assert "Run `pulumi up` as the deploying identity" in message


def test_the_deployer_listed_among_owners_is_refused(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    dev_config["applications"]["backend"]["owners"] = [DEPLOYER_OBJECT_ID]
    with pytest.raises(pulumi.RunError) as error:
        run(dev_config)
    assert (
        f"applications.backend.owners[0]: {DEPLOYER_OBJECT_ID} is the deploying identity, which "
        "Entra makes an owner of every application it creates" in str(error.value)
    )


def test_outputs_follow_the_contract(dev: MockRun) -> None:
    postman = dev.outputs["applications"]["postman"]
    registration = dev.named("postman")
    assert postman["clientId"] == registration.outputs["clientId"]
    assert postman["applicationObjectId"] == registration.outputs["objectId"]
    assert postman["tenantId"] == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert (
        postman["tokenEndpoint"]
        == f"https://login.microsoftonline.com/{postman['tenantId']}/oauth2/v2.0/token"
    )
    assert postman["servicePrincipalObjectId"] == dev.named("postman-sp").outputs["objectId"]
    assert set(postman["services"]) == {"fhir", "dicom"}
    # The secrets have a top-level output of their own, secret as a whole: pulumi/actions
    # masks only top-level secret outputs, and `applications` reads without --show-secrets.
    assert dev.secret_output_paths == {"clientSecrets"}
    assert set(dev.outputs["clientSecrets"]) == {"postman", "backend"}
    assert all("clientSecret" not in app for app in dev.outputs["applications"].values())
    # The release that ran, for a reviewer of the preview (CHANGELOG.md).
    assert dev.outputs["healthcareClientsVersion"] == "0.1.0"


def test_every_resource_is_a_direct_child_of_its_application(dev: MockRun) -> None:
    applications = {r.name: r.urn for r in dev.resources if not r.custom}
    for resource in dev.resources:
        if not resource.custom:
            assert resource.parent.endswith("pulumi:pulumi:Stack::healthcare-clients-dev")
            continue
        owner = resource.name.split("-", 1)[0]
        assert resource.parent == applications[owner], (
            f"{resource.type} {resource.name} is not a child of ClientApplication {owner}"
        )


def test_one_component_per_application(dev: MockRun) -> None:
    # Every component is a resource to the engine, which checks the whole snapshot after
    # each step: one per application keeps that cost near a flat program's
    # (docs/design.md, "Components").
    components = [(r.type, r.name) for r in dev.resources if not r.custom]
    assert sorted(components) == [
        ("healthcare-clients:index:ClientApplication", "backend"),
        ("healthcare-clients:index:ClientApplication", "postman"),
    ]


def test_determinism_same_config_and_clock_same_inputs(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    first, second = run(dev_config), run(dev_config)
    # Registration order is asynchronous; what the engine compares is each URN's inputs.
    assert sorted((r.urn, repr(r.inputs)) for r in first.resources) == sorted(
        (r.urn, repr(r.inputs)) for r in second.resources
    )
    assert len({r.urn for r in first.resources}) == len(first.resources)


def test_protect_covers_everything_but_the_password_slots(
    run: Runner, dev_config: dict[str, Any]
) -> None:
    # The engine deletes a stack's unprotected resources before it fails on protected ones
    # (tests/e2e/test_deploy.py), so protecting only the registrations would still let a
    # destroy strip their roles, grants and redirect URIs.
    dev_config["protect"] = True
    result = run(dev_config)
    passwords = [r for r in result.resources if "Password" in r.type]
    assert passwords and not any(r.protect for r in passwords)
    assert all(r.protect for r in result.resources if r not in passwords)


def test_protect_is_off_by_default(dev: MockRun) -> None:
    assert not any(r.protect for r in dev.resources)


def test_secret_config_key_keeps_its_values_secret(run: Runner, dev_config: dict[str, Any]) -> None:
    result = run(dev_config, secret_keys=("applications",))
    registration = result.named("postman")
    assert "displayName" in registration.secret_inputs
    (redirect,) = result.of_type(REDIRECTS)
    assert "redirectUris" in redirect.secret_inputs
    public = run(dev_config)
    assert "displayName" not in public.named("postman").secret_inputs


def test_invokes_are_one_client_config_and_one_lookup_per_api(dev: MockRun) -> None:
    tokens = Counter(token for token, _ in dev.invokes)
    assert tokens == {
        "azuread:index/getClientConfig:getClientConfig": 1,
        "azuread:index/getServicePrincipal:getServicePrincipal": 1,
    }


def test_bad_clock_is_a_clean_error(run: Runner, dev_config: dict[str, Any]) -> None:
    import pulumi

    with pytest.raises(pulumi.RunError, match="HEALTHCARE_CLIENTS_NOW='soon' is not an ISO 8601"):
        run(dev_config, now="soon")
