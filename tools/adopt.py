"""Turn an application registered in the portal into this stack's config, to adopt it.

    .venv/bin/python -m tools.adopt --from-tenant <clientId> --stack-file Pulumi.dev.yaml \\
        --deployer <deployerObjectId> > postman.yaml

reads everything below through the Azure CLI the user is signed in with (tools/adopt_tenant.py,
read-only commands); or, from files the same commands wrote:

    az ad app show --id <clientId> > app.json
    az ad sp show --id <clientId> > sp.json
    az ad app owner list --id <clientId> > owners.json                  # optional
    az ad sp show --id 75e725bf-66ce-4cea-9b9a-5c4caae57f33 > dicom.json  # per API, optional
    az ad app permission list-grants --id <clientId> > grants.json      # optional
    az role assignment list --assignee <spObjectId> --all > roles.json  # optional
    .venv/bin/python -m tools.adopt app.json --service-principal sp.json \\
        --owners owners.json --api dicom.json --grants grants.json \\
        --role-assignments roles.json --stack-file Pulumi.dev.yaml \\
        --deployer <deployerObjectId> > postman.yaml

It prints the entry for ``healthcare-clients:applications`` in ``Pulumi.<stack>.yaml``: the
display name, platforms and redirect URIs (the Postman callbacks as their presets), public
client flows, the extra owners, the API permissions by name, and ``adopt`` with the object
IDs and the parts that exist (owners, platforms, API access, the admin-consent grants, the
data role assignments), so that the first ``pulumi up`` imports them instead of creating new
ones, and the client ID stays. Role assignments become ``roles`` when ``--stack-file`` names
the service of their scope; the others are listed in comments. Permission names come from the
APIs' own service principals (``--api``), and for Microsoft's two Healthcare APIs (FHIR,
DICOM) from what components/healthcare.py knows they publish, when no ``--api`` is given for
them; an ``--api`` file still wins, with a warning where it disagrees with those facts. A
permission the tool cannot name is listed in a comment, for the user to name. On stderr it
lists what the stack will not manage: the existing secrets and certificates, which keep
working until they expire or are revoked, beside the stack's own two secret slots. Given
files, it never calls Azure; it never prints a secret, nor what `az` printed.

Exit codes: 0 written, 2 a file cannot be read or is not the JSON the az commands print (or
the arguments do not go together), 3 `az` is missing or one of its commands failed (signed
out, not allowed, not found).

Longer than 400 lines: reading each az payload, naming what it holds and writing the entry are
one translation from Graph's shapes to this stack's; the parts share its small data types.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from components import healthcare
from components.config.redirects import REDIRECT_PRESETS

# Graph's platform names -> the config's keys (application resource type: publicClient,
# web, spa, each with redirectUris).
PLATFORMS = (("publicClient", "mobileDesktop"), ("web", "web"), ("spa", "spa"))
PRESET_OF_URI = {uri: preset for preset, uri in REDIRECT_PRESETS.items()}
NAME_RE = re.compile(r"[^a-z0-9-]+")


class AdoptError(Exception):
    """An input the tool cannot use: one line, exit code 2."""


@dataclass
class Entry:
    """The config entry, and the notes that go with it."""

    name: str
    config: dict[str, Any]
    unresolved: list[str] = field(default_factory=list)
    left_alone: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AdoptError(f"cannot read {what} {str(path)!r}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise AdoptError(
            f"{what} {str(path)!r} is not JSON (line {exc.lineno}: {exc.msg})"
        ) from None


def _object(document: Any, what: str, keys: Sequence[str]) -> dict[str, Any]:
    if not isinstance(document, dict) or any(not isinstance(document.get(k), str) for k in keys):
        wanted = ", ".join(keys)
        raise AdoptError(f"{what} is not what `az` prints for it (expected the keys {wanted})")
    return document


def logical_name(display_name: str) -> str:
    """A config key from the display name: lowercase, digits and '-', starting with a letter."""
    slug = NAME_RE.sub("-", display_name.lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if not slug or not slug[0].isalpha():
        slug = f"app-{slug}".rstrip("-")
    return slug[:40].rstrip("-")


def _redirect_uris(app: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for graph_key, config_key in PLATFORMS:
        uris = (app.get(graph_key) or {}).get("redirectUris") or []
        if uris:
            found[config_key] = [PRESET_OF_URI.get(uri, uri) for uri in uris]
    return found


def _api_key(app_id: str) -> str:
    api = healthcare.API_BY_APP_ID.get(app_id.lower())
    return api.alias if api else app_id.lower()


Names = dict[tuple[str, str], str]  # (Graph's resourceAccess type, permission ID) -> its value


def published(sp: dict[str, Any]) -> Names:
    """What one API's service principal publishes (``az ad sp show``)."""
    table: Names = {}
    for scope in sp.get("oauth2PermissionScopes") or []:
        table[("Scope", str(scope["id"]).lower())] = scope["value"]
    for role in sp.get("appRoles") or []:
        table[("Role", str(role["id"]).lower())] = role["value"]
    return table


def known(app_id: str) -> Names:
    """What the facts module knows an API publishes: the two Healthcare APIs, nothing else."""
    api = healthcare.API_BY_APP_ID.get(app_id.lower())
    return {(p.kind, p.id): p.value for p in api.permissions} if api else {}


def name_tables(apis: Sequence[dict[str, Any]], requested: Sequence[str]) -> dict[str, Names]:
    """Per API app ID, the names to read its permissions by: the tenant's published list where
    an API's service principal was given (it wins), else what the facts module knows."""
    tables = {str(sp["appId"]).lower(): published(sp) for sp in apis}
    for api in requested:
        if api not in tables and known(api):
            tables[api] = known(api)
    return tables


def disagreements(app_id: str, table: Names) -> list[str]:
    """How an API's published list differs from what the facts module knows of it, one line per
    known permission it does not publish as known; permissions only the tenant has are fine."""
    by_value = {(kind, value): pid for (kind, pid), value in table.items()}
    found = []
    for (kind, pid), value in sorted(known(app_id).items()):
        word = "scope" if kind == "Scope" else "app role"
        there = table.get((kind, pid))
        if there == value:
            continue
        if there is not None:
            found.append(f"{word} {pid} is {there!r} there, {value!r} here")
        elif (kind, value) in by_value:
            found.append(f"{word} {value!r} has the ID {by_value[(kind, value)]} there, {pid} here")
        else:
            found.append(f"it does not publish the {word} {value!r} ({pid})")
    return found


def _api_label(app_id: str) -> str:
    api = healthcare.API_BY_APP_ID.get(app_id)
    return f"{api.display_name} ({app_id})" if api else app_id


def _unresolved_permission(portal: Portal, kind: str, access_id: str, api: str) -> str:
    word = "scope" if kind == "Scope" else "app role"
    where = f"apiPermissions.{_api_key(api)}"
    if portal.from_tenant:
        return (
            f"{word} {access_id} of API {_api_label(api)}: the tenant's service principal of "
            f"that API does not publish it (`az ad sp show --id {api}`); name it under "
            f"{where}, or leave it out"
        )
    unknown = " is not one tools.adopt knows" if known(api) else ""
    return (
        f"{word} {access_id} of API {_api_label(api)}{unknown}: name it from `az ad sp show "
        f"--id {api}` (pass that file with --api, or run with --from-tenant) and add it under "
        f"{where}"
    )


def _permissions(portal: Portal, entry: Entry) -> None:
    app = portal.app
    requirements = app.get("requiredResourceAccess") or []
    requested = [str(r["resourceAppId"]).lower() for r in requirements]
    names = name_tables(portal.apis, requested)
    for sp in portal.apis:
        app_id = str(sp["appId"]).lower()
        differ = disagreements(app_id, names[app_id])
        if differ:
            entry.warnings.append(
                f"the service principal of {_api_label(app_id)} disagrees with what tools.adopt "
                f"knows of it (components/healthcare.py): {'; '.join(differ)}. The entry "
                "follows the tenant's list; the facts may be out of date."
            )
    permissions: dict[str, Any] = {}
    for requirement, api in zip(requirements, requested, strict=True):
        scopes, roles = [], []
        for access in requirement.get("resourceAccess") or []:
            kind, access_id = access["type"], str(access["id"]).lower()
            name = names.get(api, {}).get((kind, access_id))
            if name is None:
                entry.unresolved.append(_unresolved_permission(portal, kind, access_id, api))
            elif kind == "Scope":
                scopes.append(name)
            else:
                roles.append(name)
        if scopes and roles:
            permissions[_api_key(api)] = {"scopes": sorted(scopes), "roles": sorted(roles)}
        elif scopes or roles:
            permissions[_api_key(api)] = sorted(scopes or roles)
    if permissions:
        entry.config["apiPermissions"] = permissions


def _credentials(app: dict[str, Any], entry: Entry) -> None:
    client_id = app["appId"]
    for password in app.get("passwordCredentials") or []:
        entry.left_alone.append(
            f"client secret {password.get('displayName') or '(no name)'!r} (key ID "
            f"{password['keyId']}) ends {password.get('endDateTime')}; revoke it with "
            f"`az ad app credential delete --id {client_id} --key-id {password['keyId']}`"
        )
    for key in app.get("keyCredentials") or []:
        entry.left_alone.append(
            f"certificate {key.get('displayName') or '(no name)'!r} (key ID {key['keyId']}) "
            f"ends {key.get('endDateTime')}; revoke it with `az ad app credential delete "
            f"--id {client_id} --key-id {key['keyId']} --cert`"
        )


def _grants(portal: Portal, entry: Entry) -> tuple[dict[str, str], int]:
    """Tenant-wide (admin) consent grants by API key, and how many name a service principal
    not given (their API is unknown); per-user grants are left alone."""
    api_of_sp = {str(sp["id"]).lower(): str(sp["appId"]).lower() for sp in portal.apis}
    found: dict[str, str] = {}
    unmatched = 0
    for grant in portal.grants:
        resource = str(grant.get("resourceId", "")).lower()
        api = api_of_sp.get(resource)
        if grant.get("consentType") != "AllPrincipals":
            entry.left_alone.append(
                f"a user's own consent (grant {grant.get('id')}) to {api or resource}"
            )
        elif api is None:
            how = (
                "the tenant does not show that service principal; left to the portal"
                if portal.from_tenant
                else "pass that API's `az ad sp show` with --api (or run with --from-tenant) to "
                "adopt it"
            )
            entry.unresolved.append(
                f"admin consent grant {grant.get('id')} to the service principal {resource}: " + how
            )
            unmatched += 1
        else:
            found[_api_key(api)] = str(grant["id"])
    return found, unmatched


def _consent(config: dict[str, Any], grants: dict[str, str], unmatched: int, entry: Entry) -> None:
    """adminConsent is one switch for all of an app's APIs: turn it on only where the portal
    application already holds tenant-wide consent for every API it asks scopes of, and asks no
    application permissions (their consents cannot be adopted): never widen consent silently."""
    permissions = config.get("apiPermissions") or {}
    delegated = sorted(
        key for key, spec in permissions.items() if not isinstance(spec, dict) or spec["scopes"]
    )
    with_roles = sorted(key for key, spec in permissions.items() if isinstance(spec, dict))
    for key in sorted(set(grants) - set(permissions)):
        # Consent to an API the registration no longer asks permissions of: the entry cannot
        # adopt it (adopt.grants names apiPermissions keys), and the stack would not keep it.
        entry.left_alone.append(
            f"admin consent grant {grants.pop(key)} to {key}, an API the application asks no "
            "permissions of"
        )
    if not grants:
        return
    missing = [key for key in delegated if key not in grants]
    if missing or with_roles:
        grants.clear()
        reasons = []
        if missing and unmatched:
            reasons.append(
                f"tools.adopt cannot tell whether the portal application has tenant-wide "
                f"consent for {', '.join(missing)}: {unmatched} admin consent grant(s) name a "
                "service principal it was not given (listed as unresolved)"
            )
        elif missing:
            reasons.append(
                f"the portal application has no tenant-wide consent for {', '.join(missing)}"
            )
        if with_roles:
            reasons.append(
                f"the consent to application permissions of {', '.join(with_roles)} cannot be adopted"
            )
        entry.warnings.append(
            "adminConsent is left off, and the existing admin consent is left to the portal: "
            + "; ".join(reasons)
            + ". Turning it on would grant tenant-wide consent the application does not have now."
        )
        return
    config["adminConsent"] = True


def _services(stack_file: Path | None) -> dict[str, str]:
    """Service resource ID (lowercase) -> service name, from the stack file's config."""
    if stack_file is None:
        return {}
    from testbed.stackfile import StackFileError, load_stack_file

    try:
        config = load_stack_file(
            stack_file.name.removeprefix("Pulumi.").removesuffix(".yaml"), stack_file.parent
        ).config
    except StackFileError as error:
        raise AdoptError(str(error)) from None
    services = config.get("services")
    if not isinstance(services, dict):
        return {}
    return {
        str(spec.get("resourceId", "")).lower(): name
        for name, spec in services.items()
        if isinstance(spec, dict)
    }


def _role_assignments(
    assignments: Sequence[dict[str, Any]], services: dict[str, str], entry: Entry
) -> list[dict[str, str]]:
    roles: dict[str, list[str]] = {}
    adopted = []
    by_guid = {role.guid: role.name for role in healthcare.BUILT_IN_ROLES.values()}
    for assignment in assignments:
        guid = str(assignment["roleDefinitionId"]).rsplit("/", 1)[-1].lower()
        scope = str(assignment["scope"])
        service = services.get(scope.lower())
        role = by_guid.get(guid, guid)
        if service is None:
            entry.unresolved.append(
                f"role assignment {assignment['name']} ({assignment.get('roleDefinitionName') or guid}) "
                f"at {scope}: declare that service in healthcare-clients:services and rerun with "
                "--stack-file, or leave it to the portal"
            )
            continue
        roles.setdefault(service, []).append(role)
        adopted.append({"scope": scope, "roleDefinitionId": guid, "name": str(assignment["name"])})
    if roles:
        entry.config["roles"] = {service: sorted(names) for service, names in sorted(roles.items())}
    return adopted


@dataclass(frozen=True)
class Portal:
    """What `az` printed about one registration (each file but the application is optional)."""

    app: dict[str, Any]
    service_principal: dict[str, Any] | None = None
    owners: Sequence[dict[str, Any]] | None = None
    apis: Sequence[dict[str, Any]] = ()
    grants: Sequence[dict[str, Any]] = ()
    role_assignments: Sequence[dict[str, Any]] = ()
    # Read through `az` (--from-tenant): the service principals of every API it asks
    # permissions of, or holds grants of, were asked for.
    from_tenant: bool = False


def _application(document: Any) -> dict[str, Any]:
    app = _object(document, "the application", ("id", "appId", "displayName"))
    if "servicePrincipalType" in app:
        raise AdoptError(
            "the application file holds a service principal; pass what `az ad app show --id "
            f"{app['appId']}` prints (and this one with --service-principal)"
        )
    return app


def _owners(portal: Portal, deployer: str | None, entry: Entry) -> None:
    if portal.owners is None:
        return
    ids = sorted(str(o["id"]).lower() for o in portal.owners)
    extra = [o for o in ids if o != (deployer or "").lower()]
    if extra:
        entry.config["owners"] = extra
    if deployer and deployer.lower() not in ids:
        entry.warnings.append(
            f"the deploying identity {deployer} does not own this application; with "
            "Application.ReadWrite.OwnedBy it cannot manage it. Make it an owner first: "
            f"`az ad app owner add --id {portal.app['appId']} --owner-object-id {deployer}`"
        )


def _service_principal(portal: Portal, entry: Entry) -> str | None:
    app = portal.app
    if portal.service_principal is None:
        entry.warnings.append(
            "the application has no service principal in the tenant (`az ad sp show --id "
            f"{app['appId']}` exits 3): the first `pulumi up` creates one"
            if portal.from_tenant
            else "no --service-principal: the first `pulumi up` creates one, which fails if the "
            f"application has one already; pass `az ad sp show --id {app['appId']}`"
        )
        return None
    sp = _object(portal.service_principal, "the service principal", ("id", "appId"))
    if sp["appId"].lower() != app["appId"].lower():
        raise AdoptError(
            f"the service principal belongs to application {sp['appId']}, not to "
            f"{app['appId']}: pass the output of `az ad sp show --id {app['appId']}`"
        )
    return str(sp["id"]).lower()


def build_entry(
    portal: Portal, *, deployer: str | None, name: str | None, services: dict[str, str]
) -> Entry:
    app = _application(portal.app)
    entry = Entry(name=name or logical_name(app["displayName"]), config={})
    config = entry.config
    config["displayName"] = app["displayName"]
    if app.get("description"):
        config["description"] = app["description"]
    config["publicClientFlows"] = bool(app.get("isFallbackPublicClient"))
    uris = _redirect_uris(app)
    if uris:
        config["redirectUris"] = uris
    _owners(portal, deployer, entry)
    _permissions(portal, entry)
    grants, unmatched = _grants(portal, entry)
    _consent(config, grants, unmatched, entry)
    roles = _role_assignments(portal.role_assignments, services, entry)
    if not app.get("passwordCredentials"):
        # The portal app had no secret; the stack would otherwise add its two slots.
        config["secret"] = False
    _credentials(app, entry)
    # What exists now, and so is imported by the first `pulumi up`; whatever the config adds
    # later is created as usual, which keeps this key inert once adopted.
    adopt: dict[str, Any] = {
        "applicationObjectId": str(app["id"]).lower(),
        "servicePrincipalObjectId": _service_principal(portal, entry),
        "owners": list(config.get("owners") or []),
        "redirectUris": list(uris),
        "apiAccess": list(config.get("apiPermissions") or []),
        "grants": grants,
        "roleAssignments": roles,
    }
    config["adopt"] = {key: value for key, value in adopt.items() if value}
    return entry


def render(entry: Entry, app: dict[str, Any]) -> str:
    lines = [
        f"# From the portal application {app['displayName']!r} (client ID {app['appId']}),",
        "# by tools.adopt. Put it under healthcare-clients:applications in Pulumi.<stack>.yaml,",
        "# then `pulumi preview`: it shows imports, and no create, for what this entry adopts.",
    ]
    lines += [f"# unresolved {line}" for line in entry.unresolved]
    body = yaml.safe_dump({entry.name: entry.config}, sort_keys=False, default_flow_style=False)
    return "\n".join(lines) + "\n" + body


def _list(document: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise AdoptError(f"the {what} file is not the JSON list `az` prints")
    return document


FILE_OPTIONS = ("service_principal", "owners", "api", "grants", "role_assignments")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.adopt", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "application", type=Path, nargs="?", help="output of `az ad app show --id <id>`"
    )
    parser.add_argument(
        "--from-tenant",
        metavar="CLIENT_ID",
        help="read the registration, its service principal, owners, grants, role assignments "
        "and APIs through `az` (signed in with `az login`), instead of the files",
    )
    parser.add_argument("--service-principal", type=Path, help="`az ad sp show --id <id>`")
    parser.add_argument("--owners", type=Path, help="`az ad app owner list --id <id>`")
    parser.add_argument(
        "--api", type=Path, action="append", default=[], help="`az ad sp show --id <API app ID>`"
    )
    parser.add_argument("--grants", type=Path, help="`az ad app permission list-grants --id <id>`")
    parser.add_argument(
        "--role-assignments", type=Path, help="`az role assignment list --assignee <sp> --all`"
    )
    parser.add_argument("--stack-file", type=Path, help="Pulumi.<stack>.yaml, to name services")
    parser.add_argument("--deployer", help="object ID of the identity that runs `pulumi up`")
    parser.add_argument("--name", help="the config key (default: from the display name)")
    args = parser.parse_args(argv)
    if args.from_tenant is None and args.application is None:
        parser.error("give the application's file (`az ad app show --id <id>`), or --from-tenant")
    if args.from_tenant is not None:
        given = [f"--{o.replace('_', '-')}" for o in FILE_OPTIONS if getattr(args, o)]
        if args.application is not None:
            given.insert(0, "the application file")
        if given:
            parser.error(
                "--from-tenant reads the registration and its parts from the tenant; leave out "
                + ", ".join(given)
            )
        if not healthcare.is_guid(args.from_tenant):
            parser.error("--from-tenant takes the application's client ID, a GUID")
    return args


def _from_files(args: argparse.Namespace) -> Portal:
    app = read_json(args.application, "the application")
    sp = (
        read_json(args.service_principal, "the service principal")
        if args.service_principal
        else None
    )
    owners = read_json(args.owners, "the owners") if args.owners else None
    if owners is not None and not isinstance(owners, list):
        raise AdoptError("the owners file is not the list `az ad app owner list` prints")
    apis = [_object(read_json(path, "the API"), "the API", ("id", "appId")) for path in args.api]
    grants = _list(read_json(args.grants, "the grants"), "grants") if args.grants else []
    assignments = (
        _list(read_json(args.role_assignments, "the role assignments"), "role assignments")
        if args.role_assignments
        else []
    )
    return Portal(app, sp, owners, apis, grants, assignments)


def _from_tenant(client_id: str) -> tuple[Portal, list[str]]:
    """The same documents as the files, read through `az` (tools/adopt_tenant.py)."""
    from tools import adopt_tenant

    reading = adopt_tenant.read(client_id, adopt_tenant.Az.on_path())
    apis = [_object(sp, "the API", ("id", "appId")) for sp in reading.apis]
    portal = Portal(
        reading.app,
        reading.service_principal,
        reading.owners,
        apis,
        reading.grants,
        reading.role_assignments,
        from_tenant=True,
    )
    return portal, reading.warnings


def main(
    argv: Sequence[str] | None = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr
) -> int:
    from tools.adopt_tenant import AzError

    args = parse_args(argv)
    notes: list[str] = []
    try:
        if args.from_tenant:
            portal, notes = _from_tenant(args.from_tenant)
        else:
            portal = _from_files(args)
        entry = build_entry(
            portal, deployer=args.deployer, name=args.name, services=_services(args.stack_file)
        )
    except AdoptError as error:
        print(f"error: {error}", file=stderr)
        return 2
    except AzError as error:
        print(f"error: {error}", file=stderr)
        return 3
    stdout.write(render(entry, portal.app))
    for line in [*notes, *entry.warnings]:
        print(f"warning: {line}", file=stderr)
    if entry.left_alone:
        print(
            "Left alone (not managed by the stack; they keep working until they expire or "
            "are revoked, beside the stack's own secret slots):",
            file=stderr,
        )
        for line in entry.left_alone:
            print(f"  - {line}", file=stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
