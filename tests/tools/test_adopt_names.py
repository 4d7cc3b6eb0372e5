"""tools.adopt names the permissions of Microsoft's two Healthcare APIs without the tenant's
list (components/healthcare.py keeps what they publish), an --api file still wins, and its
disagreements with those facts are reported; the recorded payloads are tests/tools/adopt/."""

import json
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.tools.test_adopt import HERE, entry, postman, run
from tools import adopt

FHIR_API = "4f6778d8-5aef-43dc-a1ff-b073724b9495"
DICOM_API = "75e725bf-66ce-4cea-9b9a-5c4caae57f33"
GRAPH_SP = "5d3a0c43-6b1a-4c55-a4d3-90f0b3c7a003"  # in graph-api.json
OTHER_API = "0e1d2c3b-4a59-4687-a9b8-c7d6e5f4a3b2"  # an API of the tenant's own
# The tutorial's DICOM user_impersonation: the fake's ID; Microsoft publishes none.
DICOM_USER_IMPERSONATION = "71ad5329-c196-5c4f-a3b3-f39e70926342"


def sp_file(tmp_path: Path, name: str, document: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def test_an_app_file_alone_names_the_fhir_and_dicom_permissions() -> None:
    code, out, err = run(str(HERE / "backend-app.json"))
    assert code == 0, err
    _, config = entry(out)
    assert config["apiPermissions"] == {"azure-healthcare-apis": ["user_impersonation"]}
    assert config["adopt"]["apiAccess"] == ["azure-healthcare-apis"]
    assert "unresolved" not in out

    code, out, _ = run(str(HERE / "postman-app.json"))
    assert code == 0
    _, config = entry(out)
    assert config["apiPermissions"] == {
        "azure-api-for-dicom": ["Dicom.ReadWrite"],
        "azure-healthcare-apis": ["user_impersonation"],
    }
    # Microsoft Graph is not among what the facts keep: it still needs its --api file.
    unresolved = [line for line in out.splitlines() if line.startswith("# unresolved")]
    assert len(unresolved) == 2 and all("Microsoft Graph" in line for line in unresolved)


def test_a_healthcare_api_permission_the_facts_do_not_know_asks_for_the_tenants_list(
    tmp_path: Path,
) -> None:
    app = json.loads((HERE / "backend-app.json").read_text())
    app["requiredResourceAccess"] = [
        {
            "resourceAppId": DICOM_API,
            "resourceAccess": [{"id": DICOM_USER_IMPERSONATION, "type": "Scope"}],
        }
    ]
    path = sp_file(tmp_path, "app.json", app)
    code, out, _ = run(path)
    assert code == 0
    assert (
        f"# unresolved scope {DICOM_USER_IMPERSONATION} of API Azure API for DICOM ({DICOM_API}) "
        f"is not one tools.adopt knows: name it from `az ad sp show --id {DICOM_API}`" in out
    )
    code, out, err = run(path, "--api", str(HERE / "dicom-api.json"))
    assert code == 0
    assert entry(out)[1]["apiPermissions"] == {"azure-api-for-dicom": ["user_impersonation"]}
    assert "unresolved" not in out and "disagrees" not in err


def test_an_api_file_that_disagrees_with_the_facts_wins_and_is_reported(tmp_path: Path) -> None:
    fhir = json.loads((HERE / "fhir-api.json").read_text())
    scopes = {scope["value"]: scope for scope in fhir["oauth2PermissionScopes"]}
    scopes["user_impersonation"]["value"] = "user_impersonation.v2"  # renamed in the tenant
    scopes["fhirUser"]["id"] = "00000000-1111-4222-8333-444444444444"  # another ID
    fhir["oauth2PermissionScopes"].remove(scopes["launch"])  # no longer published
    fhir["appRoles"] = []
    code, out, err = run(str(HERE / "backend-app.json"), "--api", sp_file(tmp_path, "f.json", fhir))
    assert code == 0
    # The tenant's published list wins: it is what the program resolves names against.
    assert entry(out)[1]["apiPermissions"] == {"azure-healthcare-apis": ["user_impersonation.v2"]}
    (warning,) = [line for line in err.splitlines() if "disagrees" in line]
    assert warning.startswith(
        f"warning: the service principal of Azure Healthcare APIs ({FHIR_API}) disagrees with "
        "what tools.adopt knows of it (components/healthcare.py): "
    )
    assert (
        "scope db75143a-8f20-4238-9450-8b73ef4992f4 is 'user_impersonation.v2' there, "
        "'user_impersonation' here" in warning
    )
    assert (
        "scope 'fhirUser' has the ID 00000000-1111-4222-8333-444444444444 there, "
        "a86144c7-3e19-4b56-9675-15803eb1e617 here" in warning
    )
    assert (
        "it does not publish the scope 'launch' (fa5f9b76-5f20-4466-8b3d-6718de9744e2)" in warning
    )
    assert "it does not publish the app role 'system.all.all'" in warning
    # The recorded service principals agree with the facts: no warning for them.
    assert "disagrees" not in postman("--api", str(HERE / "graph-api.json"))[2]


KNOWN = {api: adopt.known(api) for api in (FHIR_API, DICOM_API, OTHER_API)}
LABEL = {
    FHIR_API: f"Azure Healthcare APIs ({FHIR_API})",
    DICOM_API: f"Azure API for DICOM ({DICOM_API})",
    OTHER_API: OTHER_API,
}
KEY = {FHIR_API: "azure-healthcare-apis", DICOM_API: "azure-api-for-dicom", OTHER_API: OTHER_API}
NAMES = st.sampled_from(["user_impersonation", "Dicom.ReadWrite", "read", "write", "a.b"])


@st.composite
def requests_and_tenants(
    draw: st.DrawFn,
) -> tuple[dict[str, list[tuple[str, str]]], dict[str, Any]]:
    """Per API, the (kind, id) the registration requests (known IDs and others), and the
    tenant's published list for the APIs whose --api file is given."""
    requested: dict[str, list[tuple[str, str]]] = {}
    tenants: dict[str, Any] = {}
    for api, table in KNOWN.items():
        fresh = st.tuples(st.sampled_from(["Scope", "Role"]), st.uuids().map(str))
        pool = st.sampled_from(sorted(table)) | fresh if table else fresh
        keys = draw(st.lists(pool, max_size=5, unique=True))
        if not keys:
            continue
        requested[api] = keys
        if draw(st.booleans()):
            listed = draw(st.lists(st.sampled_from(sorted(set(keys) | set(table))), unique=True))
            tenants[api] = {key: draw(NAMES) for key in listed}
    return requested, tenants


def service_principal(api: str, table: dict[tuple[str, str], str]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, api)),
        "appId": api,
        "oauth2PermissionScopes": [
            {"id": pid, "value": value} for (kind, pid), value in table.items() if kind == "Scope"
        ],
        "appRoles": [
            {"id": pid, "value": value} for (kind, pid), value in table.items() if kind == "Role"
        ],
    }


@given(requests_and_tenants())
def test_every_requested_permission_is_named_or_listed_never_both(
    case: tuple[dict[str, list[tuple[str, str]]], dict[str, Any]],
) -> None:
    requested, tenants = case
    app = {
        "id": "3f2b7c1e-5a4d-4c8b-9e21-7d6f0a1b2c3d",
        "appId": "9a8b7c6d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        "displayName": "Generated",
        "requiredResourceAccess": [
            {"resourceAppId": api, "resourceAccess": [{"type": k, "id": i} for k, i in keys]}
            for api, keys in requested.items()
        ],
    }
    apis = [service_principal(api, table) for api, table in tenants.items()]
    built = adopt.build_entry(
        adopt.Portal(app, apis=apis), deployer=None, name="generated", services={}
    )
    permissions = built.config.get("apiPermissions", {})
    listed: list[str] = []
    for api, keys in requested.items():
        # The tenant's list wins where given; the facts name only what no list was given for.
        table = tenants.get(api, KNOWN[api])
        expected: dict[str, list[str]] = {"Scope": [], "Role": []}
        for kind, pid in keys:
            if (kind, pid) in table:
                expected[kind].append(table[(kind, pid)])
            else:
                word = "scope" if kind == "Scope" else "app role"
                listed.append(f"{word} {pid} of API {LABEL[api]}")
        spec = permissions.get(KEY[api])
        got: dict[str, list[str]] = {"Scope": [], "Role": []}
        if isinstance(spec, dict):
            got = {"Scope": spec["scopes"], "Role": spec["roles"]}
        elif spec is not None:
            got["Scope" if expected["Scope"] else "Role"] = spec
        assert {kind: sorted(names) for kind, names in expected.items()} == got
    # Each permission not named is listed once, for its API: a partition, nothing dropped.
    shown = [
        line.split(":")[0].removesuffix(" is not one tools.adopt knows")
        for line in built.unresolved
    ]
    assert Counter(shown) == Counter(listed)


@given(
    api=st.sampled_from([FHIR_API, DICOM_API]),
    changes=st.data(),
    extra=st.dictionaries(
        st.tuples(st.sampled_from(["Scope", "Role"]), st.uuids().map(str)), NAMES, max_size=4
    ),
)
def test_disagreements_are_exactly_the_known_permissions_the_tenant_lists_otherwise(
    api: str, changes: st.DataObject, extra: dict[tuple[str, str], str]
) -> None:
    table = dict(KNOWN[api])
    perturbed = set()
    for (kind, pid), value in sorted(KNOWN[api].items()):
        change = changes.draw(st.sampled_from(["keep", "rename", "move", "drop"]))
        if change == "keep":
            continue
        perturbed.add(pid)
        del table[(kind, pid)]
        if change == "rename":
            table[(kind, pid)] = value + ".renamed"
        elif change == "move":
            table[(kind, str(uuid.uuid5(uuid.NAMESPACE_OID, pid)))] = value
    known_ids = {pid for _, pid in KNOWN[api]}
    others = {key: value for key, value in extra.items() if key[1] not in known_ids}
    found = adopt.disagreements(api, {**table, **others})
    # One line per known permission the tenant lists otherwise, naming it; extras never count.
    assert len(found) == len(perturbed)
    for pid in perturbed:
        assert sum(pid in line for line in found) == 1, (pid, found)
    assert adopt.disagreements(api, {**others, **KNOWN[api]}) == []


def test_consent_to_an_api_named_from_the_facts_needs_its_file_and_says_so(
    tmp_path: Path,
) -> None:
    # FHIR is named without its file, but its grant names the tenant's FHIR service principal
    # by object ID: without that file, adopt cannot tell whether FHIR has admin consent.
    app = json.loads((HERE / "backend-app.json").read_text())
    app["requiredResourceAccess"].append(
        {
            "resourceAppId": "00000003-0000-0000-c000-000000000000",
            "resourceAccess": [{"id": "e1fe6dd8-ba31-4d61-89e7-88639da4683d", "type": "Scope"}],
        }
    )
    grants = json.loads((HERE / "backend-grants.json").read_text())
    grants.append({**grants[0], "id": "R1JBUEgtQUxM", "resourceId": GRAPH_SP, "scope": "User.Read"})
    argv = [
        sp_file(tmp_path, "app.json", app),
        *("--service-principal", str(HERE / "backend-sp.json")),
        *("--grants", sp_file(tmp_path, "grants.json", grants)),
        *("--api", str(HERE / "graph-api.json")),
    ]
    code, out, err = run(*argv)
    assert code == 0, err
    config = entry(out)[1]
    assert config["apiPermissions"]["azure-healthcare-apis"] == ["user_impersonation"]
    assert "adminConsent" not in config and "grants" not in config["adopt"]
    assert (
        "tools.adopt cannot tell whether the portal application has tenant-wide consent for "
        "azure-healthcare-apis: 1 admin consent grant(s) name a service principal it was not "
        "given (listed as unresolved)" in err
    )
    assert "# unresolved admin consent grant QkFDS0VORC1HUkFOVC1GSElSLUFMTA" in out

    code, out, err = run(*argv, "--api", str(HERE / "fhir-api.json"))  # with it: adopted
    assert code == 0, err
    config = entry(out)[1]
    assert config["adminConsent"] is True
    assert config["adopt"]["grants"] == {
        "azure-healthcare-apis": "QkFDS0VORC1HUkFOVC1GSElSLUFMTA",
        "microsoft-graph": "R1JBUEgtQUxM",
    }
