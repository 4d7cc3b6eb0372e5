"""The arguments of ``ClientApplication`` as a component package (docs/use-from-your-own-program.md).

A program in another language declares one client application with the same concepts and
names as one entry of ``healthcare-clients:applications``, plus the services it reaches, whose
resource IDs may come from its own resources' outputs. The classes below are the package's
schema: ``pulumi.provider.experimental`` reads their annotations and docstrings into the
schema's types and descriptions (its ``analyzer``), so each docstring is what a user reads in
their SDK. The class names are the schema's type names; SDK generators add ``Args`` to those
of inputs (``RedirectUrisArgs`` in TypeScript and Python), so they carry no suffix here.

Checking reuses the stack's configuration checks (``components.config``): the arguments are
written as the entry and the services they stand for, and every problem comes back at its
config key path, which ``argument_path`` turns into the argument's own
(``applications.postman.redirectUris.web[0]`` -> ``redirectUris.web[0]``).
"""

import asyncio
import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi.errors import InputPropertyErrorDetails
from pulumi.provider.experimental.util import camel_case
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from components import PROJECT, clock, healthcare
from components.config import check_config
from components.errors import ConfigError, Problem, join_path
from components.resolution import ApplicationPlan, plan_of, resolve

# --- the schema ----------------------------------------------------------------------------


class RedirectUris(TypedDict):
    """Redirect URIs per platform, as the portal's Authentication blade lists them."""

    mobile_desktop: NotRequired[list[str]]
    """"Mobile and desktop applications": custom schemes and loopback URIs, or the preset
    `postman` (https://www.getpostman.com/oauth2/callback)."""
    web: NotRequired[list[str]]
    """"Web": https URIs (http only for localhost), or the preset `postman-web`
    (https://oauth.pstmn.io/v1/callback)."""
    spa: NotRequired[list[str]]
    """"Single-page application": https URIs (http only for localhost)."""


class Secret(TypedDict):
    """The client secret. By default two password slots rotate without downtime: each lives
    `expiresIn` and a new one becomes active every half lifetime (`rotateEvery`)."""

    enabled: NotRequired[bool]
    """false: no client secret at all (a public client, or one that signs in with a
    certificate or a federated credential). Default true."""
    expires_in: NotRequired[str]
    """Lifetime of each password: `3 months`, `6 months` (default), `12 months` or `24 months`."""
    rotation: NotRequired[str]
    """`overlap` (default): two slots, rotated without downtime. `none`: one password with
    fixed `start` and `end` dates."""
    rotate_every: NotRequired[str]
    """Rotation period for `overlap`, like `90 days` or `12 weeks`; at least 7 days and at most
    half of `expiresIn`. Default: half of `expiresIn`."""
    start: NotRequired[str]
    """Start date (ISO 8601, e.g. 2027-01-31) of the one password of `rotation: none`."""
    end: NotRequired[str]
    """End date (ISO 8601) of the one password of `rotation: none`; at most 24 months after
    `start`."""


class Service(TypedDict):
    """A FHIR service or DICOM service of Azure Health Data Services, or an Azure API for FHIR,
    that the application reaches."""

    kind: str
    """`fhir`, `dicom` or `api-for-fhir`."""
    resource_id: pulumi.Input[str]
    """The service's Azure resource ID, for example the `id` output of an azure-native
    `healthcareapis.FhirService`. A value known only once that resource is deployed is checked
    when it is known, before anything of this application is registered."""
    url: NotRequired[str]
    """The service's URL, when it is not the default one derived from the resource ID."""
    audience: NotRequired[str]
    """The token audience, when it is not the default (the FHIR service's URL; for DICOM
    always https://dicom.healthcareapis.azure.com)."""


class FederatedCredential(TypedDict):
    """A federated identity credential: a workload (GitHub Actions, or any OIDC issuer) signs in
    as the application without a secret. Give `repository` and exactly one of `branch`,
    `environment`, `pullRequest` or `tag` for GitHub Actions; otherwise `issuer` and
    `subject`."""

    repository: NotRequired[str]
    """GitHub repository, like `contoso/loader`."""
    branch: NotRequired[str]
    """GitHub branch whose workflows may sign in."""
    environment: NotRequired[str]
    """GitHub environment whose jobs may sign in."""
    pull_request: NotRequired[bool]
    """true: workflows run for pull requests may sign in."""
    tag: NotRequired[str]
    """GitHub tag whose workflows may sign in."""
    issuer: NotRequired[str]
    """Another OIDC issuer's https URL."""
    subject: NotRequired[str]
    """The subject claim the issuer's tokens carry, matched exactly."""
    audiences: NotRequired[list[str]]
    """The token audience; default `api://AzureADTokenExchange`."""
    description: NotRequired[str]
    """Shown in the portal next to the credential."""


class Certificate(TypedDict):
    """A certificate credential: its public part, read from a file."""

    file: str
    """PEM or DER file with the certificate (never its private key), relative to the
    program's directory."""


class KeyVault(TypedDict):
    """A Key Vault that receives the active client secret and the client ID as secrets, so
    consumers read them there instead of from Pulumi outputs."""

    id: str
    """The vault's Azure resource ID."""
    secret_name: NotRequired[str]
    """Name of the secret holding the client secret; default `<name>-client-secret`."""
    client_id_secret_name: NotRequired[str]
    """Name of the secret holding the client ID; default `<name>-client-id`."""


class ClientApplicationArgs(TypedDict):
    """One client application; the resource's name is its logical name (1-40 lowercase
    letters, digits and '-'), part of every resource name under it: keep it stable."""

    display_name: NotRequired[str]
    """Display name in Entra ID (the portal's "Name"); default: the resource's name."""
    description: NotRequired[str]
    """Description of the app registration."""
    public_client_flows: NotRequired[bool]
    """The portal's "Allow public client flows": true for clients such as Postman that sign in
    users without a secret. Default false."""
    redirect_uris: NotRequired[RedirectUris]
    """Redirect URIs per platform."""
    owners: NotRequired[list[str]]
    """Object IDs of additional owners of the registration and its service principal; the
    identity that deploys is an owner already and is not listed."""
    secret: NotRequired[Secret]
    """The client secret; by default two slots that rotate without downtime."""
    certificates: NotRequired[dict[str, Certificate]]
    """Certificate credentials by name."""
    federated_credentials: NotRequired[dict[str, FederatedCredential]]
    """Federated identity credentials by name."""
    api_permissions: NotRequired[dict[str, list[str]]]
    """Delegated scopes and application roles to request, by API: a name in `services` (its
    API: Azure Healthcare APIs or Azure API for DICOM), a well-known API
    (`azure-healthcare-apis`, `azure-api-for-dicom`, `microsoft-graph`) or an application ID.
    Names are checked against what the API publishes in the tenant."""
    admin_consent: NotRequired[bool]
    """The portal's "Grant admin consent" for the delegated scopes in `apiPermissions`."""
    roles: NotRequired[dict[str, list[str]]]
    """Azure RBAC data roles by service (a name in `services`): built-in role names such as
    `FHIR Data Reader` or `DICOM Data Owner`, or role definition GUIDs of custom roles."""
    services: NotRequired[dict[str, Service]]
    """The services that `roles` and `apiPermissions` name, by name."""
    key_vault: NotRequired[KeyVault]
    """Deliver the active client secret and the client ID to a Key Vault."""


class ClientSecretSlot(TypedDict):
    """One password slot of the client secret."""

    slot: str
    """`a` or `b` (rotation: overlap), or `fixed` (rotation: none)."""
    key_id: str
    """The password's key ID in Entra ID."""
    end_date: str
    """When the password expires (RFC 3339)."""
    generation: NotRequired[int]
    """The rotation generation the slot holds (rotation: overlap)."""
    active: bool
    """Whether this slot's password is the one `clientSecret` holds."""


# --- what arrived ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unknown:
    """A value unknown until deploy (a preview of a program that creates the resource it
    comes from), kept as the output it is, to register as it stands."""

    output: pulumi.Output[Any]


@dataclass
class Arrival:
    """The arguments as plain values, and what each part was: secret, unknown, or the output
    of another resource (checked only once that resource exists, in a deployment)."""

    secret_arguments: set[str] = field(default_factory=set)
    from_outputs: list[tuple[str | int, ...]] = field(default_factory=list)
    unknown: list[tuple[str | int, ...]] = field(default_factory=list)

    def take(self, value: Any, at: tuple[str | int, ...] = ()) -> Any:
        """``value`` with every output in it read; unknown ones become ``Unknown``."""
        if isinstance(value, pulumi.Output):
            known, secret, inner = _read(value)
            self.from_outputs.append(at)
            if secret and at:
                self.secret_arguments.add(str(at[0]))
            if not known:
                self.unknown.append(at)
                return Unknown(value)
            return self.take(inner, at)
        if isinstance(value, Mapping):
            return {key: self.take(item, (*at, key)) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.take(item, (*at, index)) for index, item in enumerate(value)]
        if value == rpc.UNKNOWN:
            self.unknown.append(at)
            return Unknown(_unknown())
        return value


def _read(output: pulumi.Output[Any]) -> tuple[bool, bool, Any]:
    """(known, secret, value) of an output that has arrived in a construct call.

    A component's arguments reach its constructor with their values resolved already (the
    provider wraps each in an output only to carry secret-ness and dependencies:
    pulumi.provider.server, ProviderServicer._select_value), and the constructor is
    synchronous, so the values are read the way the SDK reads an output synchronously
    itself (Output.__getstate__ with _sync_await).
    """

    async def read() -> tuple[bool, bool, Any]:
        return await output.is_known(), await output.is_secret(), await output.future(True)

    return _sync_await(read())


def _unknown() -> pulumi.Output[Any]:
    """An output whose value is unknown (a preview), for an unknown value that arrived bare."""
    value: asyncio.Future[Any] = asyncio.Future()
    value.set_result(None)
    known: asyncio.Future[bool] = asyncio.Future()
    known.set_result(False)
    return pulumi.Output(set(), value, known)


# --- from arguments to the entry they stand for ----------------------------------------------


def to_config(arguments: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(entry, services): the arguments as the config keys they stand for. The schema's names
    are the config's: the analyzer camel-cases the Python names (``camel_case``) as pydantic's
    alias generator does for the config models. Nested names arrive as the schema spells them
    from the provider, or as Python names from Python; ``camel_case`` leaves the former as
    they are.

    `secret: {enabled: false}` is the entry's `secret: false`; with other keys beside it, it
    stays a mapping, and the config's own check names the key that does not belong.
    """
    camel = _wire(arguments, ClientApplicationArgs)
    services = camel.pop("services", None) or {}
    secret = camel.get("secret")
    if isinstance(secret, Mapping) and SECRET_SWITCH in secret:
        rest = {key: value for key, value in secret.items() if key != SECRET_SWITCH}
        if secret[SECRET_SWITCH] is False and not rest:
            camel["secret"] = False
        elif secret[SECRET_SWITCH] is True:
            camel["secret"] = rest
    return camel, services


SECRET_SWITCH = "enabled"  # noqa: S105 (an argument name, not a password)


def _wire(value: Any, annotation: Any) -> Any:
    """Field names camel-cased as the schema spells them; map keys are the user's and stay."""
    annotation = _bare(annotation)
    if typing.is_typeddict(annotation) and isinstance(value, Mapping):
        hints = _hints(annotation)
        return {camel_case(key): _wire(item, _field(hints, key)) for key, item in value.items()}
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is dict and isinstance(value, Mapping):
        return {key: _wire(item, args[1]) for key, item in value.items()}
    if origin is list and isinstance(value, list | tuple):
        return [_wire(item, args[0]) for item in value]
    return value


def _hints(typed_dict: Any) -> dict[str, Any]:
    """A TypedDict's field annotations as written: ``typing.get_type_hints`` would evaluate
    ``pulumi.Input``'s forward reference to ``Output[T]``, which it cannot."""
    return dict(typed_dict.__annotations__)


def _field(hints: Mapping[str, Any], key: str) -> Any:
    """A TypedDict field's annotation by its Python or its schema name."""
    if key in hints:
        return hints[key]
    return next((hint for name, hint in hints.items() if camel_case(name) == key), None)


def _bare(annotation: Any) -> Any:
    while typing.get_origin(annotation) in (NotRequired, typing.Required):
        annotation = typing.get_args(annotation)[0]
    return annotation


def config_of(name: str, entry: Mapping[str, Any], services: Mapping[str, Any]) -> dict[str, Any]:
    """The stack configuration that declares this one application and its services."""
    return {"services": dict(services), "applications": {name: dict(entry)}}


def stand_in_unknown_ids(
    services: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, pulumi.Output[str]]]:
    """(services, pending): an unknown ``resourceId`` replaced by its kind's stand-in for the
    checks, and the unknown outputs by service name for the resources."""
    checked: dict[str, Any] = {}
    pending: dict[str, pulumi.Output[str]] = {}
    for name, service in services.items():
        if isinstance(service, Mapping) and isinstance(service.get("resourceId"), Unknown):
            # A kind that is not one is reported by the checks; any stand-in does meanwhile.
            kind = service.get("kind")
            stand_in = next(
                (ids for known, ids in healthcare.STAND_IN_RESOURCE_IDS.items() if known == kind),
                healthcare.STAND_IN_RESOURCE_IDS["fhir"],
            )
            pending[name] = service["resourceId"].output
            service = {**service, "resourceId": stand_in}
        checked[name] = service
    return checked, pending


# --- from config key paths to argument paths -------------------------------------------------


def argument_path(name: str, config_path: str) -> str:
    """A problem's config key path as the component's argument path: the entry's keys are its
    arguments (``applications.<name>.redirectUris.web[0]`` -> ``redirectUris.web[0]``) and
    ``services.<service>...`` is the ``services`` argument as it stands."""
    entry = f"applications.{name}"
    if config_path == entry:
        return ""
    if config_path.startswith((f"{entry}.", f"{entry}[")):
        return config_path[len(entry) :].lstrip(".")
    return config_path


def argument_text(name: str, text: str) -> str:
    """A message in the component's terms: key paths inside it (``needed by
    applications.<name>.apiPermissions.dicom``) become argument paths, and the config's
    ``healthcare-clients:services`` is the ``services`` argument."""
    return (
        text.replace(f"applications.{name}.", "")
        .replace(f"{PROJECT}:services", "services")
        .replace("`secret: false`", "`secret: {enabled: false}`")
    )


# --- the check ---------------------------------------------------------------------------------

# Arguments whose values decide which resources the application has and what they are named:
# they must be known when the program runs. Only a service's resource ID may be unknown
# (any service name: the empty alternative).
_MAY_BE_UNKNOWN: tuple[tuple[str, ...], ...] = (("services",), (), ("resource_id", "resourceId"))

DEFERRED_NOTE = (
    " (this value is another resource's output: it is checked once that resource exists, "
    "when the deployment reaches this application, before anything of it is registered)"
)


def _may_be_unknown(at: tuple[str | int, ...]) -> bool:
    return len(at) == len(_MAY_BE_UNKNOWN) and all(
        not want or part in want for want, part in zip(_MAY_BE_UNKNOWN, at, strict=True)
    )


def _shown_path(at: tuple[str | int, ...]) -> str:
    """An argument path as the schema names it, from the Python names of the arrival."""
    wire: list[str | int] = []
    annotation: Any = ClientApplicationArgs
    for part in at:
        annotation = _bare(annotation)
        if typing.is_typeddict(annotation) and isinstance(part, str):
            annotation = _field(_hints(annotation), part)
            wire.append(camel_case(part))
        else:
            origin, args = typing.get_origin(annotation), typing.get_args(annotation)
            annotation = args[-1] if origin in (dict, list) and args else None
            wire.append(part)
    return join_path(*wire)


def check_arguments(name: str, args: Mapping[str, Any]) -> ApplicationPlan:
    """The arguments checked as the stack entry and services they stand for, resolved against
    the tenant; raises one ``pulumi.InputPropertiesError`` with every problem at its argument
    path, before anything is registered."""
    arrival = Arrival()
    plain = arrival.take(dict(args))
    unknown = [
        Problem(
            _shown_path(at),
            "is unknown until deploy (it comes from another resource); ClientApplication "
            "needs it as a plain value, since it decides which resources the application has",
        )
        for at in arrival.unknown
        if not _may_be_unknown(at)
    ]
    entry, declared = to_config(plain)
    services, pending = stand_in_unknown_ids(declared)
    apps_secret = bool(arrival.secret_arguments - {"services"})
    secret_keys = frozenset(
        key
        for key, secret in (
            ("applications", apps_secret),
            ("services", "services" in arrival.secret_arguments),
        )
        if secret
    )
    checked = check_config(
        config_of(name, entry, services),
        now=clock.now(),
        base_dir=Path.cwd(),
        secret_keys=secret_keys,
    )
    for warning in checked.warnings:
        pulumi.log.warn(f"ClientApplication {name}: {argument_text(name, warning)}")
    problems = list(unknown)
    resolved = None
    try:
        resolved = resolve(checked, stack=pulumi.get_stack())
    except ConfigError as error:
        problems += error.problems
    if problems or resolved is None:
        raise arguments_error(name, problems, checked.notes, arrival)
    plan = plan_of(resolved, name, stack=pulumi.get_stack())
    return dataclasses.replace(
        plan,
        project=pulumi.get_project(),
        declared_in="program",
        pending_resource_ids=pending,
    )


def arguments_error(
    name: str, problems: list[Problem], notes: tuple[str, ...], arrival: Arrival
) -> pulumi.InputPropertiesError:
    """One error for every problem: each located one as a property error, which the CLI
    prints under the message with the value given; the rest in the message itself."""
    deferred = [_shown_path(at) for at in arrival.from_outputs]
    located: list[InputPropertyErrorDetails] = []
    lines = []
    for problem in sorted(dict.fromkeys(problems)):
        path = argument_path(name, problem.path)
        reason = argument_text(name, problem.message)
        if any(path == d or path.startswith((f"{d}.", f"{d}[")) for d in deferred if d):
            reason += DEFERRED_NOTE
        if path:
            located.append({"property_path": path, "reason": reason})
        else:
            lines.append(f"  - {reason}")
    count = len(located) + len(lines)
    noun = "problem" if count == 1 else "problems"
    message = "\n".join(
        [
            f"ClientApplication {name}: {count} {noun} in its arguments; nothing of it was "
            "registered",
            *lines,
            *(f"Note: {argument_text(name, note)}" for note in notes),
        ]
    )
    return pulumi.InputPropertiesError(message, located)
