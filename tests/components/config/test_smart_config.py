"""SMART on FHIR in the stack configuration (components.config.smart): one error with every
bad scope at its key path, the FHIR service's audience against the resource's identifier URI,
what a client may ask for, confidential and public clients, admin consent, and what a secret
key withholds. The stack runs (mock runtime) show that a refused config creates nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.config import check_config, load_settings
from testbed.fake_tenant import FakeTenant
from testbed.stackfile import load_stack_file
from tests.conftest import NOW, SUBSCRIPTION, Runner

PREFIX = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis"
FHIR_ID = f"{PREFIX}/workspaces/wsone/fhirservices/fhir1"
DICOM_ID = f"{PREFIX}/workspaces/wsone/dicomservices/dicom1"
API_FOR_FHIR_ID = f"{PREFIX}/services/legacyfhir"
URI = "https://fhir.contoso.com"
LONG_V2 = (
    "patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category"
    "|health-concern&code=abc"
)


def config(**changes: Any) -> dict[str, Any]:
    """A SMART resource and a confidential client, with ``changes`` applied by top-level key."""
    base: dict[str, Any] = {
        "services": {"fhir": {"kind": "fhir", "resourceId": FHIR_ID, "audience": URI}},
        "smartResources": {
            "fhir-smart": {
                "identifierUri": URI,
                "service": "fhir",
                "scopes": ["patient/*.read", "user/*.read", "system/*.read"],
            }
        },
        "applications": {
            "portal": {
                "redirectUris": {"web": ["https://portal.contoso.example/callback"]},
                "smart": {
                    "resource": "fhir-smart",
                    "scopes": ["launch", "fhirUser", "user/*.read"],
                },
            }
        },
    }
    base.update(copy.deepcopy(changes))
    return base


def problems(raw: dict[str, Any], secret: tuple[str, ...] = ()) -> list[str]:
    checked = check_config(raw, now=NOW, base_dir=Path(), secret_keys=frozenset(secret))
    return [str(p) for p in checked.problems]


def warnings(raw: dict[str, Any]) -> list[str]:
    return list(load_settings(raw, now=NOW, base_dir=Path()).warnings)


def resource(**entry: Any) -> dict[str, Any]:
    base = config()["smartResources"]["fhir-smart"]
    return {"fhir-smart": {**base, **entry}}


def client(**entry: Any) -> dict[str, Any]:
    base = config()["applications"]["portal"]
    return {"portal": {**base, **entry}}


def test_the_example_stack_validates_and_warns_about_nothing() -> None:
    raw = load_stack_file("smart").config
    settings = load_settings(raw, now=NOW, base_dir=Path())
    assert set(settings.smart_resources) == {"fhir-smart"}
    assert {n for n, a in settings.applications.items() if a.smart} == {
        "smart-portal",
        "smart-patient-app",
        "smart-bulk-export",
    }
    assert settings.warnings == ()


def test_every_bad_scope_is_one_problem_at_its_index_in_one_error() -> None:
    raw = config(
        smartResources=resource(
            scopes=[
                "user/*.read",
                "patient/*.reed",
                LONG_V2,
                "patient/Observation.rs?code=a b",
                "patient/Observation.dr",
            ]
        )
    )
    found = problems(raw)
    assert len(found) == 4
    assert found[0].startswith(
        "smartResources.fhir-smart.scopes[1]: 'patient/*.reed' is not a SMART scope"
    )
    assert found[1].startswith(
        "smartResources.fhir-smart.scopes[2]: becomes 'patient.Condition.rs?"
    )
    assert "125 characters long (Microsoft Graph accepts at most 120)" in found[1]
    assert found[2].startswith("smartResources.fhir-smart.scopes[3]: becomes ")
    assert "contains ' ', which Microsoft Graph does not allow in a scope" in found[2]
    assert found[3].startswith("smartResources.fhir-smart.scopes[4]: 'patient/Observation.dr'")


def test_the_errors_of_resource_and_clients_come_together(run: Runner) -> None:
    raw = config(
        smartResources=resource(scopes=["patient/*.read", LONG_V2]),
        applications={
            "portal": {
                "redirectUris": {"spa": ["https://spa.contoso.example/"]},
                "smart": {
                    "resource": "fhir-smart",
                    "scopes": ["patient/*.read", "patient/Observation.rs", "openidd"],
                },
            }
        },
    )
    tenant = FakeTenant()
    with pytest.raises(pulumi.RunError) as caught:
        run(raw, tenant=tenant)
    message = str(caught.value)
    assert "(5 problems)" in message
    for expected in (
        "applications.portal.secret: a public SMART client (spa) signs in with PKCE and holds no secret",
        "applications.portal.smart.scopes: mixes SMART v1 (.read/.write) and SMART v2 (.cruds)",
        "applications.portal.smart.scopes[1]: 'patient/Observation.rs' is not published by smartResources.fhir-smart",
        "applications.portal.smart.scopes[2]: 'openidd' is not a SMART scope",
        "smartResources.fhir-smart.scopes[1]: becomes",
    ):
        assert expected in message
    assert tenant.applications == {} and tenant.created_sps == {}  # nothing half-created


def test_a_scope_refused_at_the_resource_is_not_reported_again_at_the_client() -> None:
    raw = config(
        smartResources=resource(scopes=["patient/*.read", LONG_V2]),
        applications=client(smart={"resource": "fhir-smart", "scopes": [LONG_V2]}),
    )
    found = problems(raw)
    assert [p.split(":")[0] for p in found] == [
        "applications.portal.smart.scopes[0]",
        "smartResources.fhir-smart.scopes[1]",
    ]
    # The client's copy is refused for itself (Graph's rule), not as unpublished.
    assert "is not published" not in found[0]


def test_the_fhir_service_audience_must_be_the_identifier_uri() -> None:
    unset = config(services={"fhir": {"kind": "fhir", "resourceId": FHIR_ID}})
    (missing,) = problems(unset)
    assert missing.startswith("services.fhir.audience: is not set")
    assert (
        f"set `audience: {URI}` here and the same authenticationConfiguration.audience" in missing
    )
    other = config(
        services={
            "fhir": {"kind": "fhir", "resourceId": FHIR_ID, "audience": "https://other.contoso.com"}
        }
    )
    (different,) = problems(other)
    assert different == (
        "services.fhir.audience: is https://other.contoso.com, but the FHIR service's "
        "authenticationConfiguration.audience must equal the identifier URI of its SMART resource "
        f"application (smartResources.fhir-smart.identifierUri = {URI})"
    )


@pytest.mark.parametrize(
    ("services", "words"),
    [
        (
            {"dicom": {"kind": "dicom", "resourceId": DICOM_ID}},
            "is a dicom service; SMART on FHIR protects a FHIR service",
        ),
        (
            {"dicom": {"kind": "api-for-fhir", "resourceId": API_FOR_FHIR_ID}},
            "is an Azure API for FHIR, which was retired on 30 September 2026; the stack creates nothing new for it",
        ),
    ],
)
def test_a_smart_resource_protects_a_fhir_service(services: dict[str, Any], words: str) -> None:
    raw = config(services=services, smartResources=resource(service="dicom"), applications={})
    found = problems(raw)
    assert any(
        p.startswith("smartResources.fhir-smart.service: 'dicom' " + words) for p in found
    ), found


def test_one_fhir_service_has_one_smart_resource() -> None:
    raw = config(smartResources={**resource(), "second": {**resource()["fhir-smart"]}})
    assert (
        "smartResources.second.service: 'fhir' is protected by smartResources.fhir-smart already"
        in problems(raw)[0]
    )


@pytest.mark.parametrize(
    ("uri", "words"),
    [
        ("http://fhir.contoso.com", "is not an https URI"),
        ("https://fhir.contoso.com/", "ends with '/'"),
        ("https://fhir.contoso.onmicrosoft.com", "puts a host under the tenant's initial domain"),
        ("https://contoso.onmicrosoft.com", "needs a path after the initial domain"),
    ],
)
def test_the_identifier_uri_follows_entras_secure_patterns(uri: str, words: str) -> None:
    raw = config(
        services={"fhir": {"kind": "fhir", "resourceId": FHIR_ID, "audience": uri}},
        smartResources=resource(identifierUri=uri),
    )
    assert any(
        p.startswith("smartResources.fhir-smart.identifierUri:") and words in p
        for p in problems(raw)
    )


def test_the_initial_domain_with_a_path_is_an_identifier_uri() -> None:
    uri = "https://contoso.onmicrosoft.com/fhir"
    raw = config(
        services={"fhir": {"kind": "fhir", "resourceId": FHIR_ID, "audience": uri}},
        smartResources=resource(identifierUri=uri),
    )
    assert problems(raw) == []


@pytest.mark.parametrize(
    ("entry", "path", "words"),
    [
        (
            {"redirectUris": {"web": ["https://a.example/cb"], "spa": ["https://b.example/"]}},
            "applications.portal.redirectUris",
            "either confidential (web) or public (spa), not both",
        ),
        (
            {"redirectUris": {"mobileDesktop": ["msauth.com.contoso://auth"]}},
            "applications.portal.redirectUris.mobileDesktop",
            "confidential (web) or public (spa)",
        ),
        ({"redirectUris": {}}, "applications.portal.redirectUris", "needs a redirect URI"),
        (
            {"secret": False},
            "applications.portal.smart",
            "a confidential SMART client needs a credential",
        ),
        (
            {"smart": {"resource": "fhir-smrt", "scopes": ["launch"]}},
            "applications.portal.smart.resource",
            "'fhir-smrt' is not in smartResources (known: fhir-smart)",
        ),
    ],
)
def test_a_client_is_confidential_or_public(entry: dict[str, Any], path: str, words: str) -> None:
    found = problems(config(applications=client(**entry)))
    assert any(p.startswith(path + ":") and words in p for p in found), found


def test_a_backend_service_needs_no_redirect_uri_and_is_told_about_consent() -> None:
    backend = {"smart": {"resource": "fhir-smart", "scopes": ["system/*.read"]}}
    raw = config(applications={"bulk": backend})
    assert problems(raw) == []
    (warning,) = warnings(raw)
    assert warning.startswith("applications.bulk.adminConsent: false, so the app roles")
    consented = config(applications={"bulk": {**backend, "adminConsent": True}})
    assert warnings(consented) == []


def test_admin_consent_on_a_smart_client_warns_that_it_overrides_user_choices() -> None:
    (warning,) = warnings(config(applications=client(adminConsent=True)))
    assert warning.startswith(
        "applications.portal.adminConsent: true on a SMART client grants every SMART scope"
    )
    assert "overrides the scopes a user picks" in warning
    assert "Any admin consent that you apply will override user selected scopes" in warning
    assert warnings(config()) == []  # off by default: nothing to say


def test_scopes_longer_than_the_portal_form_are_a_warning_not_a_problem() -> None:
    laboratory = "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"
    raw = config(smartResources=resource(scopes=["user/*.read", laboratory]))
    (warning,) = warnings(raw)
    assert warning.startswith(
        "smartResources.fhir-smart.scopes: 1 scope(s) longer than the 40 characters"
    )


def test_the_first_party_permissions_do_not_reach_a_smart_protected_service() -> None:
    raw = config(applications={"postman": {"apiPermissions": {"fhir": ["user_impersonation"]}}})
    (found,) = problems(raw)
    assert found.startswith(
        "applications.postman.apiPermissions.fhir: names a FHIR service that smartResources.fhir-smart protects"
    )


def test_a_secret_key_withholds_scopes_and_uris() -> None:
    raw = config(smartResources=resource(scopes=["user/*.read", "patient/Condition.rs?code=a b"]))
    (found,) = problems(raw, secret=("smartResources",))
    assert found.startswith("smartResources.<key 1>.scopes[1]: becomes [secret] in Entra")
    assert "Condition" not in found
    unpublished = config(
        applications=client(smart={"resource": "fhir-smart", "scopes": ["patient/Patient.rs"]})
    )
    (withheld,) = problems(unpublished, secret=("applications",))
    assert "[secret] is not published" in withheld and "Patient.rs" not in withheld


def test_the_deployer_is_not_an_extra_owner_of_a_smart_resource() -> None:
    deployer = "a1b2c3d4-0000-4000-8000-000000000001"
    raw = {**config(smartResources=resource(owners=[deployer])), "deployerObjectId": deployer}
    (found,) = problems(raw)
    assert (
        found.startswith("smartResources.fhir-smart.owners[0]:")
        and "is the deploying identity" in found
    )
