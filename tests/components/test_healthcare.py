"""Pure tests of components.healthcare: resource IDs, endpoints, the role table, names."""

import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import healthcare
from components.healthcare import HealthcareResource, ServiceKind
from tests.conftest import OTHER_SUBSCRIPTION

SUB = OTHER_SUBSCRIPTION
FHIR_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-health"
    "/providers/Microsoft.HealthcareApis/workspaces/wsone/fhirservices/fhirone"
)
DICOM_ID = (
    f"/subscriptions/{SUB}/resourceGroups/rg-health"
    "/providers/Microsoft.HealthcareApis/workspaces/wsone/dicomservices/dicomone"
)
API_FOR_FHIR_ID = f"/subscriptions/{SUB}/resourceGroups/rg-health/providers/Microsoft.HealthcareApis/services/legacyfhir"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


# --- resource IDs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_id", "kind", "workspace", "name"),
    [
        (FHIR_ID, "fhir", "wsone", "fhirone"),
        (DICOM_ID, "dicom", "wsone", "dicomone"),
        (API_FOR_FHIR_ID, "api-for-fhir", None, "legacyfhir"),
    ],
)
def test_parse_each_shape(
    resource_id: str, kind: ServiceKind, workspace: str | None, name: str
) -> None:
    parsed = healthcare.parse_resource_id(resource_id, kind)
    assert parsed == HealthcareResource(
        kind=kind,
        subscription_id=SUB,
        resource_group="rg-health",
        workspace=workspace,
        name=name,
        resource_id=resource_id,
    )
    assert healthcare.kind_of_resource_id(resource_id) == kind


def test_provider_and_type_segments_are_case_insensitive() -> None:
    shouting = (
        f"/SUBSCRIPTIONS/{SUB.upper()}/RESOURCEGROUPS/rg-health"
        "/PROVIDERS/microsoft.healthcareapis/WORKSPACES/wsone/FHIRSERVICES/fhirone"
    )
    parsed = healthcare.parse_resource_id(shouting, "fhir")
    assert parsed.subscription_id == SUB  # normalised: it goes into the role definition ID
    assert (parsed.workspace, parsed.name) == ("wsone", "fhirone")
    assert parsed.resource_id == shouting  # the scope is passed to ARM as written
    assert healthcare.kind_of_resource_id(shouting) == "fhir"
    mixed = DICOM_ID.replace("Microsoft.HealthcareApis", "Microsoft.HealthCareAPIs").replace(
        "dicomservices", "dicomServices"
    )
    assert healthcare.parse_resource_id(mixed, "dicom").name == "dicomone"


@pytest.mark.parametrize(
    ("resource_id", "kind", "expected"),
    [
        # wrong provider
        (
            FHIR_ID.replace("Microsoft.HealthcareApis", "Microsoft.Web"),
            "fhir",
            "is not a fhir resource ID; expected /subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.HealthcareApis/workspaces/<ws>/fhirservices/<name>",
        ),
        # missing segment: no workspace
        (
            FHIR_ID.replace("/workspaces/wsone", ""),
            "fhir",
            "is not a fhir resource ID",
        ),
        # missing segment: no resource group
        (
            API_FOR_FHIR_ID.replace("/resourceGroups/rg-health", ""),
            "api-for-fhir",
            "is not a api-for-fhir resource ID",
        ),
        # the workspace itself, not a service in it
        (
            FHIR_ID.rsplit("/fhirservices/", 1)[0],
            "fhir",
            "is not a fhir resource ID",
        ),
        # a trailing slash or extra segment
        (DICOM_ID + "/", "dicom", "is not a dicom resource ID"),
        (DICOM_ID + "/extra", "dicom", "is not a dicom resource ID"),
        # non-GUID subscription
        (
            FHIR_ID.replace(SUB, "my-subscription"),
            "fhir",
            "subscription 'my-subscription' is not a GUID",
        ),
        # a DICOM ID declared as kind fhir, and the reverse
        (DICOM_ID, "fhir", "is the ID of a 'dicom' service, but kind is 'fhir'"),
        (FHIR_ID, "dicom", "is the ID of a 'fhir' service, but kind is 'dicom'"),
        (API_FOR_FHIR_ID, "fhir", "is the ID of a 'api-for-fhir' service, but kind is 'fhir'"),
        # an invalid resource group name
        (
            FHIR_ID.replace("rg-health", "rg-health."),
            "fhir",
            "resource group 'rg-health.' is not a valid resource group name",
        ),
        # a trailing newline ("$" in a regex would accept it)
        (FHIR_ID + "\n", "fhir", "is not a fhir resource ID"),
        ("", "dicom", "is not a dicom resource ID"),
    ],
)
def test_malformed_resource_ids(resource_id: str, kind: ServiceKind, expected: str) -> None:
    with pytest.raises(ValueError, match=re.escape(expected)):
        healthcare.parse_resource_id(resource_id, kind)


def test_kind_of_unknown_id_is_none() -> None:
    assert healthcare.kind_of_resource_id("/subscriptions/x") is None
    assert healthcare.kind_of_resource_id(FHIR_ID + "\n") is None


_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/._()\n ", max_size=30)


def _shaped_id(sub: str, rg: str, ws: str, name: str, tail: str, suffix: str) -> str:  # noqa: PLR0913 (one argument per segment of the resource ID)
    path = tail.replace("{ws}", ws).replace("{name}", name)
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.HealthcareApis/{path}{suffix}"


@given(
    st.one_of(
        st.text(max_size=200),
        st.builds(
            _shaped_id,
            st.one_of(st.uuids().map(str), _SEGMENT),
            st.one_of(st.just("rg-health"), _SEGMENT),
            st.one_of(st.just("wsone"), _SEGMENT),
            st.one_of(st.just("svc"), _SEGMENT),
            st.sampled_from(
                [
                    "workspaces/{ws}/fhirservices/{name}",
                    "workspaces/{ws}/dicomservices/{name}",
                    "services/{name}",
                ]
            ),
            st.sampled_from(["", "\n", "/", " "]),
        ),
    ),
    st.sampled_from(healthcare.SERVICE_KINDS),
)
def test_parse_returns_or_raises_value_error(resource_id: str, kind: ServiceKind) -> None:
    try:
        parsed = healthcare.parse_resource_id(resource_id, kind)
    except ValueError as exc:
        assert str(exc)  # a message a user can act on
        return
    assert parsed.kind == kind
    assert parsed.resource_id == resource_id
    assert healthcare.is_guid(parsed.subscription_id)
    assert "\n" not in resource_id
    assert healthcare.kind_of_resource_id(resource_id) == kind


@given(
    st.uuids().map(str),
    st.from_regex(r"[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]", fullmatch=True),
    st.from_regex(r"[a-z0-9]{3,24}", fullmatch=True),
    st.from_regex(r"[a-z0-9][a-z0-9-]{1,22}[a-z0-9]", fullmatch=True),
    st.sampled_from(["\n", "\r\n", "/", " ", "/x", "?api-version=1"]),
)
def test_well_formed_ids_round_trip(sub: str, rg: str, ws: str, name: str, junk: str) -> None:
    prefix = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.HealthcareApis"
    shapes: tuple[tuple[ServiceKind, str], ...] = (
        ("fhir", f"/workspaces/{ws}/fhirservices/{name}"),
        ("dicom", f"/workspaces/{ws}/dicomservices/{name}"),
        ("api-for-fhir", f"/services/{name}"),
    )
    for kind, tail in shapes:
        parsed = healthcare.parse_resource_id(prefix + tail, kind)
        assert (parsed.subscription_id, parsed.resource_group, parsed.name) == (sub, rg, name)
        with pytest.raises(ValueError):
            healthcare.parse_resource_id(prefix + tail + junk, kind)


# --- endpoints ---------------------------------------------------------------------------------


def test_default_url_and_audience_per_kind() -> None:
    fhir = healthcare.parse_resource_id(FHIR_ID, "fhir")
    assert fhir.default_url == "https://wsone-fhirone.fhir.azurehealthcareapis.com"
    assert fhir.default_audience == fhir.default_url

    dicom = healthcare.parse_resource_id(DICOM_ID, "dicom")
    assert dicom.default_url == "https://wsone-dicomone.dicom.azurehealthcareapis.com"
    assert dicom.default_audience == "https://dicom.healthcareapis.azure.com"

    legacy = healthcare.parse_resource_id(API_FOR_FHIR_ID, "api-for-fhir")
    assert legacy.default_url == "https://legacyfhir.azurehealthcareapis.com"
    assert legacy.default_audience == legacy.default_url


def test_default_url_is_lowercase() -> None:
    upper = FHIR_ID.replace("wsone", "WsOne").replace("fhirone", "FhirOne")
    assert (
        healthcare.parse_resource_id(upper, "fhir").default_url
        == "https://wsone-fhirone.fhir.azurehealthcareapis.com"
    )


def test_token_endpoints() -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert (
        healthcare.token_endpoint_v2(tenant)
        == f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"
    )
    assert (
        healthcare.token_endpoint_v1(tenant)
        == f"https://login.microsoftonline.com/{tenant}/oauth2/token"
    )


# --- the built-in role table -------------------------------------------------------------------

# Microsoft Learn, "Azure built-in roles", Integration (docs/design.md, "Sources")
EXPECTED_ROLES = {
    "FHIR Data Contributor": ("5a1fc7df-4bf1-4951-a576-89034ee01acd", {"fhir", "api-for-fhir"}),
    "FHIR Data Reader": ("4c8d0bbc-75d3-4935-991f-5f3c56d81508", {"fhir", "api-for-fhir"}),
    "FHIR Data Writer": ("3f88fce4-5892-4214-ae73-ba5294559913", {"fhir", "api-for-fhir"}),
    "FHIR Data Exporter": ("3db33094-8700-4567-8da5-1501d4e7e843", {"fhir", "api-for-fhir"}),
    "FHIR Data Importer": ("4465e953-8ced-4406-a58e-0f6e3f3b530b", {"fhir"}),
    "FHIR Data Converter": ("a1705bd2-3a8f-45a5-8683-466fcfd5cc24", {"fhir", "api-for-fhir"}),
    "FHIR SMART User": ("4ba50f17-9666-485c-a643-ff00808643f0", {"fhir", "api-for-fhir"}),
    "DICOM Data Owner": ("58a3b984-7adf-4c20-983a-32417c86fbc8", {"dicom"}),
    "DICOM Data Reader": ("e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a", {"dicom"}),
}


def test_role_table_matches_the_facts() -> None:
    table = {name: (role.guid, set(role.kinds)) for name, role in healthcare.BUILT_IN_ROLES.items()}
    assert table == EXPECTED_ROLES


def test_the_healthcare_apis_known_permissions_are_what_the_fake_tenant_publishes() -> None:
    # Two copies on purpose (the fake imports nothing of the program's facts): the fake's
    # service principals publish every permission tools.adopt names offline, under that ID,
    # and the tutorial's DICOM user_impersonation, whose ID Microsoft never published, is in
    # the fake (derived) and not among the facts.
    from testbed.first_party import DICOM_API, HEALTHCARE_APIS, first_party_service_principals

    published = {
        sp["appId"]: {("Scope", s["id"], s["value"]) for s in sp["oauth2PermissionScopes"]}
        | {("Role", r["id"], r["value"]) for r in sp["appRoles"]}
        for sp in first_party_service_principals().values()
    }
    for app_id in (HEALTHCARE_APIS, DICOM_API):
        known = healthcare.API_BY_APP_ID[app_id].permissions
        assert known, app_id
        assert {(p.kind, p.id, p.value) for p in known} <= published[app_id]
        assert all(GUID.match(p.id) for p in known)  # lowercase, as Graph prints them
        assert len({(p.kind, p.value) for p in known}) == len(known)  # one ID per name
    assert healthcare.API_BY_APP_ID[HEALTHCARE_APIS].permissions[0].value == "user_impersonation"
    assert "user_impersonation" not in {
        p.value for p in healthcare.API_BY_APP_ID[DICOM_API].permissions
    }
    assert healthcare.WELL_KNOWN_APIS["microsoft-graph"].permissions == ()  # --api names it


@pytest.mark.parametrize(
    ("spelled", "canonical"),
    [
        ("FHIR Data Reader", "FHIR Data Reader"),
        ("fhir data reader", "FHIR Data Reader"),
        ("  FHIR   Data\tReader ", "FHIR Data Reader"),
        ("dicom data owner", "DICOM Data Owner"),
        ("FHIR SMART user", "FHIR SMART User"),
    ],
)
def test_find_built_in_role_forgives_case_and_spaces(spelled: str, canonical: str) -> None:
    role = healthcare.find_built_in_role(spelled)
    assert role is not None
    assert role.name == canonical


@pytest.mark.parametrize(
    "name",
    ["FHIR Data Admin", "FHIRData Reader", "", "Reader", "5a1fc7df-4bf1-4951-a576-89034ee01acd"],
)
def test_find_built_in_role_unknown(name: str) -> None:
    assert healthcare.find_built_in_role(name) is None


def test_is_guid() -> None:
    assert healthcare.is_guid("5A1FC7DF-4bf1-4951-a576-89034ee01acd")
    assert not healthcare.is_guid("5a1fc7df-4bf1-4951-a576-89034ee01acd\n")
    assert not healthcare.is_guid(" 5a1fc7df-4bf1-4951-a576-89034ee01acd")
    assert not healthcare.is_guid("5a1fc7df4bf14951a57689034ee01acd")
    assert not healthcare.is_guid("not-a-guid")


def test_role_definition_id() -> None:
    assert healthcare.role_definition_id(SUB, "5A1FC7DF-4bf1-4951-a576-89034ee01acd") == (
        f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/"
        "5a1fc7df-4bf1-4951-a576-89034ee01acd"
    )


# --- role assignment names ---------------------------------------------------------------------

READER = "4c8d0bbc-75d3-4935-991f-5f3c56d81508"


def test_role_assignment_name_is_a_deterministic_guid() -> None:
    first = healthcare.role_assignment_name("dev", "postman", FHIR_ID, READER)
    assert GUID.match(first)
    assert uuid.UUID(first).version == 5
    assert healthcare.role_assignment_name("dev", "postman", FHIR_ID, READER) == first
    # neither the GUID's nor the resource ID's case matters: ARM compares them ignoring case
    assert (
        healthcare.role_assignment_name("dev", "postman", FHIR_ID.upper(), READER.upper()) == first
    )


def test_role_assignment_name_differs_per_stack_app_scope_and_role() -> None:
    # Two stacks with the same stack, app and role names on different services: the scope
    # keeps their assignment names apart.
    base = ("dev", "postman", FHIR_ID, READER)
    variants = [
        ("prod", "postman", FHIR_ID, READER),
        ("dev", "backend", FHIR_ID, READER),
        ("dev", "postman", FHIR_ID.replace("/fhirservices/fhir", "/fhirservices/fhir2"), READER),
        ("dev", "postman", FHIR_ID, "5a1fc7df-4bf1-4951-a576-89034ee01acd"),
    ]
    names = {healthcare.role_assignment_name(*args) for args in [base, *variants]}
    assert len(names) == 5


def test_role_assignment_name_pinned() -> None:
    # Changing the namespace or seed replaces every deployed role assignment (README,
    # "Compatibility"): the scope joined the seed once, on purpose; it must not move again.
    assert (
        healthcare.role_assignment_name("dev", "postman", FHIR_ID, READER)
        == "4dbe8f12-ee7d-594a-a498-1f3fa68af45b"
    )
