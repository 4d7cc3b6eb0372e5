"""SMART on FHIR scopes as SMART spells them, and as Microsoft Entra ID expects them.

A user writes scopes the way the SMART App Launch guide does (``patient/*.read``,
``launch/patient``); Entra defines them on the SMART resource application in its own form
(``patient.all.read``, ``launch.patient``). The translation is the one Microsoft's SMART on
FHIR sample applies (Azure-Samples/azure-health-data-and-ai-samples, smartonfhir-smart-v2,
``src/SMARTCustomOperations.AzureAuth/Extensions/ScopeExtensions.cs``: before the first ``?``
every ``/`` becomes ``.`` and ``.*`` becomes ``.all``; after it every ``/`` becomes ``%2f``,
because Entra reads a scope as ``<resource URI>/<value>``), and its manifest
(``scripts/manifest-json-contents/oauth2-permissions.json``) publishes scopes in that form.

What Entra refuses is Microsoft Graph's rule for ``permissionScope.value`` and
``appRole.value`` (microsoft-graph-docs-contrib ``api-reference/v1.0/resources/
permissionscope.md`` and ``approle.md``): at most 120 characters, only the listed characters,
never a leading ``.``. The Entra admin center's "Add a scope" form stops at 40 characters
(Microsoft Q&A 554565, answered by Microsoft), but Graph, which the stack uses, does not, and
Microsoft's sample publishes 116-character v2 scopes through Graph: longer values are only
warned about, as they cannot be edited in that form.

Pure: no Pulumi, no configuration; ``components.config.smart`` applies it to the stack's keys.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Literal

from components.errors import Invalid, Plain

# Graph permissionScope.value / appRole.value.
MAX_ENTRA_VALUE = 120
PORTAL_FORM_LIMIT = 40
_ENTRA_ALLOWED = re.compile(r"[A-Za-z0-9:!#$%&'()*+,\-./;<=>?@\[\]^_`{|}~]")

# SMART App Launch 2.x, "Scopes for requesting FHIR Resources": a context, a resource type or
# `*`, and either a SMART v1 permission (read, write, *) or SMART v2 permissions, the letters
# c r u d s in that order, optionally followed by `?` and search parameters (v2 only).
_CLINICAL = re.compile(
    r"(?P<context>patient|user|system)/(?P<type>\*|[A-Z][A-Za-z]*)\."
    r"(?P<permission>read|write|\*|c?r?u?d?s?)(?P<query>\?.+)?"
)
V1_PERMISSIONS = ("read", "write", "*")
_V2_LETTERS = {"c": "create", "r": "read", "u": "update", "d": "delete", "s": "search"}

# Scopes the SMART resource application always publishes, as Microsoft's sample does:
# launch context and the fhirUser identity scope.
RESOURCE_BUILT_INS: dict[str, str] = {
    "launch": "Receive the launch context when the app is launched from an EHR",
    "launch/patient": "Ask for a patient to be selected when the app is launched on its own",
    "fhirUser": "Know which FHIR resource (Patient, Practitioner ...) the signed-in user is",
}
# OpenID Connect scopes: Microsoft Graph publishes them, not the resource application
# (the sample's client registrations add Microsoft Graph openid and offline_access).
GRAPH_SCOPES = ("openid", "offline_access")

Context = Literal["patient", "user", "system"]

# Fixed, so a scope keeps its ID across machines and runs: Graph keeps a permission by ID, and
# a new ID for the same value would be a delete and a create.
_ID_NAMESPACE = uuid.UUID("2f4d8c1e-7b3a-4e59-9c61-5a0d3e7f8b24")


@dataclass(frozen=True)
class SmartScope:
    """One scope: as SMART spells it, as Entra defines it, and what kind of permission it is."""

    smart: str
    entra: str
    # patient/user/system for a clinical scope; None for launch and fhirUser.
    context: Context | None
    # 1 or 2 for a clinical scope (SMART v1 or v2 permissions); None otherwise.
    version: int | None

    @property
    def is_app_role(self) -> bool:
        """system/ scopes are application permissions (backend services): app roles."""
        return self.context == "system"

    @property
    def permission_id(self) -> str:
        kind = "role" if self.is_app_role else "scope"
        return str(uuid.uuid5(_ID_NAMESPACE, f"{kind}/{self.entra}"))

    @property
    def description(self) -> str:
        if self.context is None:
            return f"{RESOURCE_BUILT_INS[self.smart]} (SMART {self.smart})."
        match = _CLINICAL.fullmatch(self.smart)
        assert match is not None
        what = "all resources" if match["type"] == "*" else f"{match['type']} resources"
        whose = {
            "patient": "in the compartment of the patient in context",
            "user": "that the signed-in user may access",
            "system": "in the whole FHIR service",
        }[self.context]
        permission = match["permission"]
        if permission in V1_PERMISSIONS:
            verbs = {"read": "Read", "write": "Write", "*": "Read and write"}[permission]
        else:
            words = [_V2_LETTERS[letter] for letter in permission]
            verbs = (", ".join(words[:-1]) + " and " + words[-1]) if len(words) > 1 else words[0]
            verbs = verbs[0].upper() + verbs[1:]
        limited = " matching its search parameters" if match["query"] else ""
        return f"{verbs} {what}{limited} {whose} (SMART {self.smart})."


def to_entra(smart: str) -> str:
    """The Entra value of a SMART scope (the sample's ScopeExtensions.ParseScope)."""
    resource, question, query = smart.partition("?")
    value = resource.replace("/", ".").replace(".*", ".all")
    return value + (question + query.replace("/", "%2f") if question else "")


def parse(smart: str) -> SmartScope | Invalid:
    """The scope, or why it is not one the SMART resource application can define (an
    ``Invalid`` whose values are the user's, so a secret key's messages can withhold them)."""
    if smart in RESOURCE_BUILT_INS:
        return SmartScope(smart, to_entra(smart), None, None)
    match = _CLINICAL.fullmatch(smart)
    if match is None or not match["permission"]:
        return Invalid(
            "{} is not a SMART scope: clinical scopes are (patient|user|system)/<ResourceType "
            "or *>.<read|write|*> (SMART v1) or .<c r u d s, in that order> (SMART v2, "
            "optionally ?search parameters); the others are launch, launch/patient and fhirUser",
            smart,
        )
    version = 1 if match["permission"] in V1_PERMISSIONS else 2
    if match["query"] and "%2f" in match["query"].lower():
        # Entra's form writes '/' as %2f: a literal one would read back as a '/' and two
        # different scopes would become one.
        return Invalid(
            "{} holds %2f in its search parameters, which Entra's form uses for '/'; write '/'",
            smart,
        )
    if version == 1 and match["query"]:
        return Invalid(
            "{} adds search parameters (?...) to a SMART v1 permission; only SMART v2 scopes "
            "take them",
            smart,
        )
    scope = SmartScope(smart, to_entra(smart), match["context"], version)  # type: ignore[arg-type]
    refusals = entra_refusals(scope.entra)
    if not refusals:
        return scope
    # The key path names the scope; the message shows what Entra would be given.
    template = "becomes {} in Entra, which " + "; and ".join(t for t, _ in refusals)
    return Invalid(template, scope.entra, *(v for _, v in refusals if v is not None))


def entra_refusals(value: str) -> list[tuple[str, Plain | None]]:
    """Why Microsoft Graph would refuse ``value`` as a permission scope or app role value:
    message templates, each with the user-derived part it shows (withheld under a secret key)."""
    refusals: list[tuple[str, Plain | None]] = []
    if len(value) > MAX_ENTRA_VALUE:
        refusals.append(
            (
                f"is {{}} characters long (Microsoft Graph accepts at most {MAX_ENTRA_VALUE})",
                Plain(str(len(value))),
            )
        )
    forbidden = sorted({ch for ch in value if not _ENTRA_ALLOWED.fullmatch(ch)})
    if forbidden:
        listed = Plain(" ".join(repr(ch) for ch in forbidden))
        refusals.append(("contains {}, which Microsoft Graph does not allow in a scope", listed))
    if value.startswith("."):
        refusals.append(("starts with '.', which Microsoft Graph does not allow", None))
    return refusals


def entra_scope_uri(identifier_uri: str, scope: SmartScope) -> str:
    """The scope a client asks Entra for: the resource's identifier URI, '/', the value."""
    return f"{identifier_uri.rstrip('/')}/{scope.entra}"
