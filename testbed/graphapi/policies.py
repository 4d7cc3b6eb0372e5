"""Graph's claims mapping policies, and their assignment to service principals: the routes
the provider's policies and serviceprincipals clients call (go-azure-sdk microsoft-graph
``policies/stable/claimsmappingpolicy`` and ``serviceprincipals/stable/claimsmappingpolicy``:
``/policies/claimsMappingPolicies[/{id}]`` and ``/servicePrincipals/{id}/claimsMappingPolicies
[/$ref | /{policy}/$ref]``). Rights as in ``testbed.graphapi.permissions``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from testbed.graphapi.odata import GraphError, bad_request, collection, not_found
from testbed.rights import require_app_write, require_graph

if TYPE_CHECKING:
    from testbed.graphapi.directory import Directory, Reply, Request

WRITE = ["Policy.ReadWrite.ApplicationConfiguration"]


def _policies(directory: Directory) -> dict[str, Any]:
    policies: dict[str, Any] = directory.state.setdefault("claimsMappingPolicies", {})
    return policies


def _wire(policy: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": policy["id"],
        "displayName": policy["displayName"],
        "definition": list(policy["definition"]),
        "isOrganizationDefault": False,
        "deletedDateTime": None,
    }


def route(directory: Directory, request: Request, rest: list[str]) -> Reply:
    if not rest or rest[0] != "claimsMappingPolicies":
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{rest[:1]}'.")
    if len(rest) == 1:
        return _collection(directory, request)
    policy = _policies(directory).get(rest[1]) if len(rest) == 2 else None
    if policy is None or directory.replicating(rest[1], True):
        raise not_found(rest[1])
    return _item(directory, request, policy)


def _collection(directory: Directory, request: Request) -> Reply:
    policies = _policies(directory)
    if request.method == "GET":
        return 200, collection(request.base, [_wire(p) for p in policies.values()], "policies")
    if request.method != "POST":
        raise GraphError(405, "Request_BadRequest", "Method not allowed.")
    directory.deny(lambda: require_graph(directory.tenant.caller, WRITE))
    body = request.body
    if not body.get("definition") or not body.get("displayName"):
        raise bad_request("Properties definition and displayName are required.")
    policy_id = directory.tenant.new_id(f"claimsMappingPolicy/{body['displayName']}")
    policies[policy_id] = {
        "id": policy_id,
        "displayName": body["displayName"],
        "definition": list(body["definition"]),
    }
    directory.changes.append(("create", "claimsMappingPolicy", body["displayName"], policy_id))
    return 201, _wire(policies[policy_id])


def _item(directory: Directory, request: Request, policy: dict[str, Any]) -> Reply:
    if request.method == "GET":
        return 200, _wire(policy)
    directory.deny(lambda: require_graph(directory.tenant.caller, WRITE))
    if request.method == "PATCH":
        for key in ("displayName", "definition"):
            if key in request.body:
                policy[key] = request.body[key]
        directory.changes.append(
            ("update", "claimsMappingPolicy", policy["displayName"], policy["id"])
        )
        return 204, None
    if request.method == "DELETE":
        del _policies(directory)[policy["id"]]
        directory.changes.append(
            ("delete", "claimsMappingPolicy", policy["displayName"], policy["id"])
        )
        return 204, None
    raise GraphError(405, "Request_BadRequest", "Method not allowed.")


def assigned(directory: Directory, request: Request, sp: dict[str, Any], rest: list[str]) -> Reply:
    """A service principal's claimsMappingPolicies (kept in the SP's own record)."""
    caller = directory.tenant.caller
    held: list[str] = sp.setdefault("claimsMappingPolicies", [])
    policies = _policies(directory)
    if not rest and request.method == "GET":
        listed = [_wire(policies[p]) for p in held if p in policies]
        return 200, collection(request.base, listed, "claimsMappingPolicies")

    def rights() -> None:
        require_graph(caller, ["Policy.Read.All"], WRITE)
        require_app_write(caller, sp["owners"])

    if rest == ["$ref"] and request.method == "POST":
        directory.deny(rights)
        policy_id = str(request.body.get("@odata.id", "")).rstrip("/").rpartition("/")[2]
        if policy_id not in policies:
            raise not_found(policy_id)
        if policy_id in held:
            raise bad_request(
                "One or more added object references already exist for the following modified "
                "properties: 'claimsMappingPolicies'."
            )
        held.append(policy_id)
        directory.changes.append(("create", "claimsMappingPolicyAssignment", policy_id, sp["id"]))
        return 204, None
    if len(rest) == 2 and rest[1] == "$ref" and request.method == "DELETE":
        directory.deny(rights)
        if rest[0] not in held:
            raise not_found(rest[0])
        held.remove(rest[0])
        directory.changes.append(("delete", "claimsMappingPolicyAssignment", rest[0], sp["id"]))
        return 204, None
    raise GraphError(405, "Request_BadRequest", "Method not allowed on claimsMappingPolicies.")
