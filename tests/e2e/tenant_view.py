"""What a stack amounts to in the tenant, read two ways for comparison: from the fake tenant's
state after a real ``pulumi up``, and from the resources the program registers on the mock
runtime (what ``tools.plan`` shows)."""

from typing import Any

from components import provider_resources as types
from testbed.mockrun import MockRun


def from_tenant(state: dict[str, Any]) -> dict[str, Any]:
    apps = {}
    by_object = {}
    for app in state["applications"].values():
        by_object[app["id"]] = app["displayName"]
        apps[app["displayName"]] = {
            "publicClient": app["isFallbackPublicClient"],
            "redirectUris": {k: sorted(v) for k, v in app["redirectUris"].items() if v},
            "passwords": sorted(
                (p["displayName"], p["endDateTime"]) for p in app["passwordCredentials"]
            ),
            "apis": sorted(
                (e["resourceAppId"], tuple(sorted(a["id"] for a in e["resourceAccess"])))
                for e in app["requiredResourceAccess"]
            ),
            "federated": sorted(
                (f["name"], f["subject"]) for f in app["federatedIdentityCredentials"]
            ),
        }
    sp_names = {
        sp["id"]: sp["displayName"]
        for sp in state["servicePrincipals"].values()
        if not sp.get("firstParty")
    }
    grants = sorted(
        (sp_names[g["clientId"]], g["resourceId"], g["scope"])
        for g in state["oauth2PermissionGrants"].values()
    )
    roles = sorted(
        (sp_names[r["principalId"]], r["scope"], r["roleDefinitionId"], r["name"])
        for r in state["roleAssignments"].values()
    )
    return {"applications": apps, "grants": grants, "roleAssignments": roles}


def from_plan(run: MockRun) -> dict[str, Any]:
    names = {
        r.id: r.inputs["displayName"] for r in run.of_type(types.APPLICATION_REGISTRATION.token)
    }
    sps = {
        r.outputs["objectId"]: names[f"/applications/{_object_of(run, r.inputs['clientId'])}"]
        for r in run.of_type(types.SERVICE_PRINCIPAL.token)
    }
    apps: dict[str, Any] = {
        name: {
            "publicClient": None,
            "redirectUris": {},
            "passwords": [],
            "apis": [],
            "federated": [],
        }
        for name in names.values()
    }
    for r in run.of_type(types.FALLBACK_PUBLIC_CLIENT.token):
        apps[names[r.inputs["applicationId"]]]["publicClient"] = r.inputs.get("enabled", False)
    for r in run.of_type(types.REDIRECT_URIS.token):
        apps[names[r.inputs["applicationId"]]]["redirectUris"][r.inputs["type"]] = sorted(
            r.inputs["redirectUris"]
        )
    for r in run.of_type(types.APPLICATION_PASSWORD.token):
        apps[names[r.inputs["applicationId"]]]["passwords"].append(
            (r.inputs["displayName"], r.inputs["endDate"])
        )
    for r in run.of_type(types.API_ACCESS.token):
        ids = tuple(sorted([*(r.inputs.get("scopeIds") or []), *(r.inputs.get("roleIds") or [])]))
        apps[names[r.inputs["applicationId"]]]["apis"].append((r.inputs["apiClientId"], ids))
    for r in run.of_type(types.FEDERATED_CREDENTIAL.token):
        apps[names[r.inputs["applicationId"]]]["federated"].append(
            (r.inputs["displayName"], r.inputs["subject"])
        )
    for app in apps.values():
        for key in ("passwords", "apis", "federated"):
            app[key] = sorted(app[key])
    grants = sorted(
        (
            sps[r.inputs["servicePrincipalObjectId"]],
            r.inputs["resourceServicePrincipalObjectId"],
            " ".join(r.inputs["claimValues"]),
        )
        for r in run.of_type(types.DELEGATED_PERMISSION_GRANT.token)
    )
    roles = sorted(
        (
            sps[r.inputs["principalId"]],
            r.inputs["scope"],
            r.inputs["roleDefinitionId"],
            r.inputs["roleAssignmentName"],
        )
        for r in run.of_type(types.ROLE_ASSIGNMENT.token)
    )
    return {"applications": apps, "grants": grants, "roleAssignments": roles}


def _object_of(run: MockRun, client_id: str) -> str:
    for r in run.of_type(types.APPLICATION_REGISTRATION.token):
        if r.outputs["clientId"] == client_id:
            return str(r.outputs["objectId"])
    raise KeyError(client_id)
