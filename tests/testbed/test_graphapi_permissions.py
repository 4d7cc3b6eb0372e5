"""The Graph fake's rules for a SMART resource application, over HTTPS as the real provider
sees them (testbed.graphapi.permissions, .policies): an enabled scope or app role cannot be
removed or changed in one PATCH, identifier URIs need a verified domain and the secure
patterns, claims mapping policies need their Graph permission."""

from typing import Any

from testbed import store
from tests.testbed.test_graphapi import graph, sign_in  # noqa: F401 (the shared fixture)

SCOPE = {
    "id": "0b9e9c5e-7c0e-4f0f-9e4a-3d6a2b1c0d11",
    "value": "patient.all.read",
    "type": "User",
    "isEnabled": True,
    "adminConsentDisplayName": "patient/*.read",
    "adminConsentDescription": "read",
}


def application(client: Any, key: Any, **body: Any) -> dict[str, Any]:
    sign_in(client, key)
    status, app, _ = client.call("POST", "/v1.0/applications", {"displayName": "resource", **body})
    assert status == 201
    return dict(app)


def test_an_enabled_scope_is_disabled_before_it_goes(graph: Any) -> None:  # noqa: F811
    client, key = graph
    app = application(client, key)
    path = f"/v1.0/applications/{app['id']}"
    assert client.call("PATCH", path, {"api": {"oauth2PermissionScopes": [SCOPE]}})[0] == 204
    for refused in ([], [{**SCOPE, "value": "patient.all.rs"}]):
        status, body, _ = client.call("PATCH", path, {"api": {"oauth2PermissionScopes": refused}})
        assert status == 400
        assert body["error"]["code"] == "CannotDeleteOrUpdateEnabledEntitlement"
    disabled = {**SCOPE, "isEnabled": False}
    assert client.call("PATCH", path, {"api": {"oauth2PermissionScopes": [disabled]}})[0] == 204
    assert client.call("PATCH", path, {"api": {"oauth2PermissionScopes": []}})[0] == 204
    _, live, _ = client.call("GET", path)
    assert live["api"]["oauth2PermissionScopes"] == []


def test_app_roles_follow_the_same_rule_and_show_on_the_service_principal(graph: Any) -> None:  # noqa: F811
    client, key = graph
    app = application(client, key)
    role = {
        "id": SCOPE["id"],
        "value": "system.all.read",
        "isEnabled": True,
        "allowedMemberTypes": ["Application"],
        "displayName": "system/*.read",
        "description": "read",
    }
    path = f"/v1.0/applications/{app['id']}"
    assert client.call("PATCH", path, {"appRoles": [role]})[0] == 204
    _, sp, _ = client.call("POST", "/v1.0/servicePrincipals", {"appId": app["appId"]})
    assert [r["value"] for r in sp["appRoles"]] == ["system.all.read"]
    status, body, _ = client.call("PATCH", path, {"appRoles": []})
    assert (status, body["error"]["code"]) == (400, "CannotDeleteOrUpdateEnabledEntitlement")


def test_identifier_uris_need_a_verified_domain_and_the_secure_patterns(graph: Any) -> None:  # noqa: F811
    client, key = graph
    app = application(client, key)
    path = f"/v1.0/applications/{app['id']}"
    for uri, code in (
        ("https://fhir.fabrikam.com", "HostNameNotOnVerifiedDomain"),
        ("https://fhir.contoso.onmicrosoft.com", "Request_BadRequest"),
    ):
        status, body, _ = client.call("PATCH", path, {"identifierUris": [uri]})
        assert (status, body["error"]["code"]) == (400, code), body
    assert client.call("PATCH", path, {"identifierUris": ["https://fhir.contoso.com"]})[0] == 204
    other = application(client, key)
    status, body, _ = client.call(
        "PATCH",
        f"/v1.0/applications/{other['id']}",
        {"identifierUris": ["https://fhir.contoso.com"]},
    )
    assert status == 400 and "already exists" in body["error"]["message"]


def test_a_claims_mapping_policy_needs_its_permission_and_is_assigned_once(graph: Any) -> None:  # noqa: F811
    client, key = graph
    app = application(client, key)
    _, sp, _ = client.call("POST", "/v1.0/servicePrincipals", {"appId": app["appId"]})
    policy = {"displayName": "fhirUser", "definition": ['{"ClaimsMappingPolicy":{}}']}

    def grant(state: dict[str, Any]) -> None:
        state["caller"]["graphPermissions"] = ["Application.ReadWrite.All"]

    client.edit(grant)
    status, body, _ = client.call("POST", "/v1.0/policies/claimsMappingPolicies", policy)
    assert (status, body["error"]["code"]) == (403, "Authorization_RequestDenied")
    client.edit(
        lambda s: s["caller"]["graphPermissions"].append(
            "Policy.ReadWrite.ApplicationConfiguration"
        )
    )
    status, created, _ = client.call("POST", "/v1.0/policies/claimsMappingPolicies", policy)
    assert status == 201
    ref = {"@odata.id": f"{client.server.base}/v1.0/directoryObjects/{created['id']}"}
    refs = f"/v1.0/servicePrincipals/{sp['id']}/claimsMappingPolicies"
    assert client.call("POST", refs + "/$ref", ref)[0] == 204
    assert client.call("POST", refs + "/$ref", ref)[0] == 400
    _, listed, _ = client.call("GET", refs)
    assert [p["id"] for p in listed["value"]] == [created["id"]]
    assert client.call("DELETE", f"{refs}/{created['id']}/$ref")[0] == 204
    assert (
        store.load(client.tenant_file)["servicePrincipals"][sp["id"]]["claimsMappingPolicies"] == []
    )
