"""``adopt`` on the mock runtime: which resources take over which existing parts, what the
block must agree with in the entry, and the check against the live registration."""

import copy
from typing import Any

import pulumi
import pytest

from components.adoption import managed_note
from testbed import portal
from testbed.fake_tenant import FakeTenant
from testbed.first_party import HEALTHCARE_APIS
from testbed.mockrun import MockRun
from tests.conftest import SUBSCRIPTION, Runner

SCOPE = "db75143a-8f20-4238-9450-8b73ef4992f4"  # user_impersonation of the FHIR API
FHIR = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-health"
    "/providers/Microsoft.HealthcareApis/workspaces/wsone/fhirservices/fhirone"
)
READER = "4c8d0bbc-75d3-4935-991f-5f3c56d81508"


@pytest.fixture
def tenant() -> FakeTenant:
    return FakeTenant()


@pytest.fixture
def ids(tenant: FakeTenant) -> dict[str, str]:
    state = tenant.tenant.state
    found = portal.register(
        state,
        "Loader",
        redirect_uris={"Web": ["https://loader.contoso.example/cb"]},
        api_access={HEALTHCARE_APIS: [(SCOPE, "Scope")]},
    )
    found["grant"] = portal.grant_admin_consent(
        state, found["servicePrincipalObjectId"], HEALTHCARE_APIS, ["user_impersonation"]
    )
    return found


def config(ids: dict[str, str], **entry: Any) -> dict[str, Any]:
    loader = {
        "displayName": "Loader",
        "redirectUris": {"web": ["https://loader.contoso.example/cb"]},
        "owners": [portal.PORTAL_USER],
        "apiPermissions": {"azure-healthcare-apis": ["user_impersonation"]},
        "adminConsent": True,
        "roles": {"fhir": ["FHIR Data Reader"]},
        "adopt": {
            "applicationObjectId": ids["applicationObjectId"],
            "servicePrincipalObjectId": ids["servicePrincipalObjectId"],
            "owners": [portal.PORTAL_USER],
            "redirectUris": ["web"],
            "apiAccess": ["azure-healthcare-apis"],
            "grants": {"azure-healthcare-apis": ids["grant"]},
            "roleAssignments": [
                {
                    "scope": FHIR,
                    "roleDefinitionId": READER,
                    "name": "0f1e2d3c-4b5a-4968-8776-655443322110",
                }
            ],
        },
        **entry,
    }
    return {
        "services": {"fhir": {"kind": "fhir", "resourceId": FHIR}},
        "applications": {"loader": loader},
    }


def imports(result: MockRun) -> dict[str, str | None]:
    return {r.name: r.import_id for r in result.resources if r.custom}


def test_an_adopted_entry_takes_over_what_exists_and_creates_the_rest(
    run: Runner, tenant: FakeTenant, ids: dict[str, str]
) -> None:
    result = run(config(ids), tenant=tenant)
    found = imports(result)
    obj = ids["applicationObjectId"]
    assert found["loader"] == f"/applications/{obj}"
    assert found["loader-sp"] == f"/servicePrincipals/{ids['servicePrincipalObjectId']}"
    assert (
        found[f"loader-owner-{portal.PORTAL_USER}"]
        == f"/applications/{obj}/owners/{portal.PORTAL_USER}"
    )
    assert found["loader-redirect-web"] == f"/applications/{obj}/redirectUris/Web"
    assert found["loader-api-azure-healthcare-apis"] == (
        f"/applications/{obj}/apiAccess/{HEALTHCARE_APIS}"
    )
    assert (
        found["loader-consent-azure-healthcare-apis"] == f"/oauth2PermissionGrants/{ids['grant']}"
    )
    assignment = result.named("loader-fhir-fhir-data-reader")
    assert assignment.inputs["roleAssignmentName"] == "0f1e2d3c-4b5a-4968-8776-655443322110"
    assert assignment.import_id == (
        f"{FHIR}/providers/Microsoft.Authorization/roleAssignments/0f1e2d3c-4b5a-4968-8776-655443322110"
    )
    # The public-client flag has no existence check to collide with, and passwords are new.
    assert found["loader-public-client-flows"] is None
    assert found["loader-secret-a"] is None and found["loader-secret-b"] is None
    assert result.named("loader").inputs["notes"] == managed_note("dev", "loader")


def test_an_entry_that_differs_from_the_registration_is_refused(
    run: Runner, tenant: FakeTenant, ids: dict[str, str]
) -> None:
    edited = config(ids, displayName="Loader (renamed)", owners=[])
    edited["applications"]["loader"]["adopt"]["owners"] = []
    with pytest.raises(pulumi.RunError) as error:
        run(edited, tenant=tenant)
    message = str(error.value)
    assert (
        "applications.loader.adopt: the entry does not match the registration it adopts" in message
    )
    assert "displayName is 'Loader (renamed)' here and 'Loader' in Entra" in message
    assert f"owners is [] here and ['{portal.PORTAL_USER}'] in Entra" in message
    assert "make your edits in a second `pulumi up`" in message


def test_once_adopted_the_check_and_the_block_are_inert(
    run: Runner, tenant: FakeTenant, ids: dict[str, str]
) -> None:
    tenant.tenant.state["applications"][ids["applicationObjectId"]]["notes"] = managed_note(
        "dev", "loader"
    )
    edited = config(ids, displayName="Loader (renamed)")
    assert run(edited, tenant=tenant).named("loader").inputs["displayName"] == "Loader (renamed)"


def test_differences_under_a_secret_key_are_named_without_values(
    run: Runner, tenant: FakeTenant, ids: dict[str, str]
) -> None:
    with pytest.raises(pulumi.RunError) as error:
        run(
            config(ids, displayName="Loader (renamed)"),
            tenant=tenant,
            secret_keys=("applications",),
        )
    message = str(error.value)
    assert "does not match the registration it adopts" in message and "displayName" in message
    assert "Loader (renamed)" not in message


@pytest.mark.parametrize(
    ("change", "path", "fragment"),
    [
        (
            lambda a: a["adopt"].update(owners=["11111111-2222-4333-8444-555555555555"]),
            "adopt.owners[0]",
            "is not in the entry's owners",
        ),
        (
            lambda a: a["adopt"].update(redirectUris=["spa"]),
            "adopt.redirectUris[0]",
            "has no redirectUris.spa",
        ),
        (
            lambda a: a["adopt"].update(apiAccess=["microsoft-graph"]),
            "adopt.apiAccess[0]",
            "has no apiPermissions",
        ),
        (
            lambda a: a.update(adminConsent=False),
            "adopt.grants.azure-healthcare-apis",
            "with adminConsent: true",
        ),
    ],
)
def test_the_block_must_agree_with_the_entry(  # noqa: PLR0913 (fixtures and the case)
    run: Runner, tenant: FakeTenant, ids: dict[str, str], change: Any, path: str, fragment: str
) -> None:
    broken = copy.deepcopy(config(ids))
    change(broken["applications"]["loader"])
    with pytest.raises(pulumi.RunError) as error:
        run(broken, tenant=tenant)
    assert f"applications.loader.{path}:" in str(error.value)
    assert fragment in str(error.value)
