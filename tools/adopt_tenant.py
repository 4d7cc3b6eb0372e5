"""What ``tools.adopt --from-tenant`` reads through the Azure CLI the user is signed in with:
the same JSON the az commands in docs/adoption.md write to files, one read-only command each.

    az ad app show --id <clientId> -o json                       the registration
    az ad sp show --id <clientId> -o json                        its service principal
    az ad app owner list --id <clientId> -o json                 its owners
    az ad app permission list-grants --id <clientId> -o json     its delegated grants
    az role assignment list --assignee <spObjectId> --all -o json   its Azure role assignments
    az ad sp show --id <API app ID or object ID> -o json         each API it asks or holds grants of

Where each is defined, in Azure/azure-cli, src/azure-cli/azure/cli/command_modules/role/:

- ``custom.py`` ``show_application``: ``--id`` is an appId (resolved with
  ``GET /applications?$filter=appId eq '<id>'``), an object ID or an identifier URI, then
  ``GET /applications/{id}``: Microsoft Graph's application resource, as it is.
- ``custom.py`` ``show_service_principal`` and ``_resolve_service_principal``: ``--id`` is
  matched against ``servicePrincipalNames`` (which hold the appId), else taken as the object
  ID; then ``GET /servicePrincipals/{id}``, Graph's servicePrincipal resource with its
  ``oauth2PermissionScopes`` and ``appRoles``. A service principal that does not exist exits 3
  (``tests/latest/test_graph.py``, ``test_sp_show_exit_code``).
- ``custom.py`` ``list_application_owners``: ``GET /applications/{id}/owners``, a list of
  directory objects (``@odata.type``, ``id``).
- ``custom.py`` ``list_permission_grants``: the client's service principal resolved from
  ``--id`` as above, then ``GET /oauth2PermissionGrants?$filter=clientId eq '<sp id>'``: a list
  of Graph's oAuth2PermissionGrant (``id``, ``clientId``, ``consentType``, ``principalId``,
  ``resourceId``, ``scope``). Application permissions (app role assignments) are not in it;
  tools.adopt does not adopt those.
- ``custom.py`` ``list_role_assignments``: with ``--assignee`` and ``--all``, the current
  subscription's assignments filtered on ``principalId eq '<id>'``, each with
  ``roleDefinitionName`` filled in.
- ``_msgrpah/_graph_client.py``: the Graph URL each of those calls, and ``@odata.nextLink``
  followed, so each list is whole.

A command that fails is reported with its exit code and az's own error line, never with what
it printed on stdout (an application's JSON holds each secret's hint). Signed out, az prints
"ERROR: Please run 'az login' to setup account." and exits 1 (azure-cli-core ``_profile.py``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# The exit code of an az command whose object does not exist (see above).
AZ_NOT_FOUND = 3
TIMEOUT_SECONDS = 120
INSTALL = "https://learn.microsoft.com/cli/azure/install-azure-cli"


class AzError(Exception):
    """az is missing, failed, or printed something other than JSON: one line, exit code 3."""


@dataclass
class Az:
    """Runs read-only az commands and parses their JSON."""

    executable: str

    @classmethod
    def on_path(cls) -> Az:
        found = shutil.which("az")
        if found is None:
            raise AzError(
                f"--from-tenant runs the Azure CLI, and `az` is not on PATH: install it ({INSTALL}), "
                "sign in with `az login`, and rerun; or export the JSON files as docs/adoption.md "
                "shows and pass them instead"
            )
        return cls(found)

    def json(self, *args: str, shape: type = dict, missing_ok: bool = False) -> Any:
        """What ``az <args> -o json`` prints, parsed: an object, or a list of objects for
        ``shape=list``; None when ``missing_ok`` and az says the object does not exist."""
        command = " ".join(("az", *args, "-o", "json"))
        try:
            proc = subprocess.run(
                [self.executable, *args, "-o", "json"],
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,  # never a prompt: the commands only read
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AzError(f"`{command}` did not finish in {TIMEOUT_SECONDS} s") from None
        except OSError as exc:
            raise AzError(f"cannot run `{command}`: {exc.strerror}") from None
        if proc.returncode == AZ_NOT_FOUND and missing_ok:
            return None
        if proc.returncode != 0:
            message = error_line(proc.stderr)
            hint = ""
            if "az login" in message:
                hint = "; sign in with `az login` (to the tenant of the registration) and rerun"
            raise AzError(f"`{command}` failed (exit {proc.returncode}): {message}{hint}")
        try:
            document = json.loads(proc.stdout)
        except json.JSONDecodeError:
            raise AzError(f"`{command}` printed no JSON") from None
        if not isinstance(document, shape) or (
            isinstance(document, list) and not all(isinstance(item, dict) for item in document)
        ):
            wanted = "a list of objects" if shape is list else "an object"
            raise AzError(f"`{command}` printed JSON that is not {wanted}")
        return document


def error_line(stderr: str) -> str:
    """az's own error: its ERROR lines, else its last line (warnings come before them)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    shown = " ".join(errors or lines[-1:]) or "(nothing on stderr)"
    return shown if len(shown) <= 500 else shown[:497] + "..."


@dataclass
class Reading:
    """What the tenant holds for one registration, in the shapes the az files have."""

    app: Any
    service_principal: Any = None
    owners: Any = None
    grants: Any = field(default_factory=list)
    role_assignments: Any = field(default_factory=list)
    apis: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _ids(items: Any, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    return sorted(
        {str(item[key]).lower() for item in items if isinstance(item, dict) and item.get(key)}
    )


def read(client_id: str, az: Az) -> Reading:
    """Every command's output for the registration ``client_id``; az's not-found answers for
    the service principals are warnings, any other failure an AzError."""
    app = az.json("ad", "app", "show", "--id", client_id)
    reading = Reading(app)
    sp = az.json("ad", "sp", "show", "--id", client_id, missing_ok=True)
    reading.service_principal = sp
    reading.owners = az.json("ad", "app", "owner", "list", "--id", client_id, shape=list)
    if sp is not None and sp.get("id"):
        # Grants and role assignments belong to the service principal: none without one.
        reading.grants = az.json(
            "ad", "app", "permission", "list-grants", "--id", client_id, shape=list
        )
        reading.role_assignments = az.json(
            "role", "assignment", "list", "--assignee", str(sp["id"]), "--all", shape=list
        )
    requested = _ids(app.get("requiredResourceAccess"), "resourceAppId")
    reading.apis = _apis(az, requested, reading.warnings, by="app ID")
    seen = set(_ids(reading.apis, "id"))
    held = [resource for resource in _ids(reading.grants, "resourceId") if resource not in seen]
    reading.apis += _apis(az, held, reading.warnings, by="object ID")
    return reading


def _apis(az: Az, ids: Sequence[str], warnings: list[str], *, by: str) -> list[Any]:
    found = []
    for api in ids:
        sp = az.json("ad", "sp", "show", "--id", api, missing_ok=True)
        if sp is None:
            warnings.append(
                f"the tenant has no service principal with the {by} {api} (`az ad sp show --id "
                f"{api}` exits {AZ_NOT_FOUND}): what the registration holds of that API is "
                "named only if tools.adopt knows it"
            )
        else:
            found.append(sp)
    return found
