"""Credentials on an application: passwords, certificates, federated identity credentials.

Written from terraform-provider-azuread v3.9.0 (``TF internal/services/applications/<file>``)
and Microsoft Graph's documentation, cited per class.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes

from testbed.entra import existing, writable
from testbed.graph import (
    check_application_id,
    check_rfc3339,
    check_uuid,
    graph_status,
    parse_rfc3339,
)
from testbed.resource_handler import CheckFailure, Inputs, ProviderError

if TYPE_CHECKING:
    from testbed.tenant import Tenant

NO_DEFAULTS: dict[str, Any] = {}


def secret_value(tenant_id: str, key_id: str) -> str:
    """A client secret in Entra's shape: 40 characters, '8Q~' after the first three."""
    digest = base64.b64encode(hashlib.sha256(f"{tenant_id}/{key_id}".encode()).digest() * 2)
    body = digest.decode().replace("+", "~").replace("/", "_").replace("=", ".")
    return f"{body[:3]}8Q~{body[3:37]}"


class ApplicationPassword:
    """TF application_password_resource.go: every argument forces a new resource; create
    calls addPassword, and Graph returns the secret only then; delete calls removePassword."""

    computed = frozenset({"keyId", "value", "startDate", "endDate", "displayName"})
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        return (
            check_application_id(inputs)
            + check_rfc3339(inputs, "startDate", "start_date")
            + check_rfc3339(inputs, "endDate", "end_date")
        )

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(
            tenant, inputs["applicationId"], "Generating password credentials"
        )
        writable(tenant, app, f'Adding password for application with object ID "{object_id}"')
        now = tenant.now().replace(microsecond=0)
        start = parse_rfc3339(inputs["startDate"]) if inputs.get("startDate") else now
        # Graph's addPassword: endDateTime defaults to startDateTime + 2 years; and
        # endDateRelative never reaches Graph (TF helpers/credentials/credentials.go:179-231).
        end = (
            parse_rfc3339(inputs["endDate"])
            if inputs.get("endDate")
            else start + timedelta(days=730)
        )
        if end <= now or end <= start:
            # KeyCredentialsInvalidEndDate (terraform-provider-azuread #1671).
            raise ProviderError(
                f'Adding password for application with object ID "{object_id}": '
                + graph_status(
                    400,
                    "Bad Request",
                    "KeyCredentialsInvalidEndDate",
                    "Key credential end date is invalid.",
                )
            )
        key_id = tenant.new_id(f"password/{name}")
        value = secret_value(tenant.tenant_id, key_id)
        credential = {
            "keyId": key_id,
            "displayName": inputs.get("displayName") or "",
            "startDateTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            # Graph keeps the first characters as a hint, never the secret itself.
            "hint": value[:3],
            "secretSha256": hashlib.sha256(value.encode()).hexdigest(),
        }
        app["passwordCredentials"].append(credential)
        return f"{object_id}/password/{key_id}", {**self._fields(credential), "value": value}

    @staticmethod
    def _fields(credential: dict[str, Any]) -> Inputs:
        return {
            "keyId": credential["keyId"],
            "displayName": credential["displayName"],
            "startDate": credential["startDateTime"],
            "endDate": credential["endDateTime"],
        }


class ApplicationCertificate:
    """TF application_certificate_resource.go: every argument forces a new resource; create
    refuses a key ID that exists and read-modify-writes keyCredentials."""

    computed = frozenset({"keyId", "startDate", "endDate"})
    defaults = {"encoding": "pem"}

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = check_application_id(inputs) + check_uuid(inputs, "keyId", "key_id")
        if inputs.get("encoding") not in ("base64", "hex", "pem"):
            failures.append(
                CheckFailure(
                    "encoding",
                    f'expected encoding to be one of ["base64" "hex" "pem"], got {inputs.get("encoding")}',
                )
            )
        if inputs.get("type") not in (None, "AsymmetricX509Cert", "Symmetric"):
            failures.append(
                CheckFailure(
                    "type",
                    f'expected type to be one of ["AsymmetricX509Cert" "Symmetric"], got {inputs.get("type")}',
                )
            )
        return failures

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "Retrieving application")
        try:
            certificate = x509.load_pem_x509_certificate(str(inputs["value"]).encode())
        except ValueError as exc:
            raise ProviderError(f"Could not decode certificate data: {exc}") from None
        key_id = str(inputs.get("keyId") or tenant.new_id(f"certificate/{name}"))
        if any(c["keyId"] == key_id for c in app["keyCredentials"]):
            raise ProviderError(
                f'[id] A resource with the ID "{object_id}/certificate/{key_id}" already exists'
            )
        writable(tenant, app, f'Adding certificate for application with object ID "{object_id}"')
        credential = {
            "keyId": key_id,
            "type": inputs.get("type") or "AsymmetricX509Cert",
            "startDateTime": inputs.get("startDate")
            or certificate.not_valid_before_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "endDateTime": inputs.get("endDate")
            or certificate.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "thumbprint": certificate.fingerprint(hashes.SHA1()).hex(),  # noqa: S303 (Graph's customKeyIdentifier)
        }
        app["keyCredentials"].append(credential)
        return f"{object_id}/certificate/{key_id}", {
            "keyId": key_id,
            "startDate": credential["startDateTime"],
            "endDate": credential["endDateTime"],
        }


# Learn, "Workload identity federation considerations": at most 20 federated identity
# credentials per application.
MAX_FEDERATED_CREDENTIALS = 20


class FederatedCredential:
    """TF application_federated_identity_credential_resource.go: ``displayName`` (Graph's
    ``name``) forces a new resource; issuer, subject, audiences and description update in
    place. Graph keeps the issuer+subject pair unique per application (400
    InvalidFederatedIdentityCredentialValue, Azure/azure-workload-identity #434) and the
    name too (an alternate key of federatedIdentityCredential, Graph's resource page)."""

    computed = frozenset({"credentialId"})
    defaults = NO_DEFAULTS

    def check(self, inputs: Inputs) -> list[CheckFailure]:
        failures = check_application_id(inputs)
        name = str(inputs.get("displayName") or "")
        if not 1 <= len(name) <= 120:
            failures.append(
                CheckFailure(
                    "displayName",
                    f"expected length of display_name to be in the range (1 - 120), got {name}",
                )
            )
        audiences = inputs.get("audiences") or []
        if len(audiences) > 1:
            failures.append(
                CheckFailure("audiences", "attribute supports 1 item maximum, but config has more")
            )
        if any(not audience for audience in audiences):
            failures.append(
                CheckFailure("audiences", 'expected "audiences.0" to not be an empty string')
            )
        return failures

    @staticmethod
    def _conflict(app: dict[str, Any], inputs: Inputs, exclude: str = "") -> str | None:
        for other in app["federatedIdentityCredentials"]:
            if other["id"] == exclude:
                continue
            if (other["issuer"], other["subject"]) == (inputs["issuer"], inputs["subject"]):
                return graph_status(
                    400,
                    "Bad Request",
                    "InvalidFederatedIdentityCredentialValue",
                    "The combination of issuer and subject must be unique for the application. "
                    f"Issuer {inputs['issuer']} and Subject: {inputs['subject']} already exist.",
                )
            if other["name"].lower() == str(inputs["displayName"]).lower():
                # The wording of this refusal is unverified; the uniqueness is documented.
                return graph_status(
                    400,
                    "Bad Request",
                    "Request_BadRequest",
                    f"Another object with the same value for property name already exists: {other['name']}",
                )
        return None

    def create(self, tenant: Tenant, name: str, inputs: Inputs) -> tuple[str, Inputs]:
        object_id, app = existing(tenant, inputs["applicationId"], "retrieving Application")
        what = f'Adding federated identity credential for Application (Application: "{object_id}")'
        writable(tenant, app, what)
        problem = self._conflict(app, inputs)
        if (
            problem is None
            and len(app["federatedIdentityCredentials"]) >= MAX_FEDERATED_CREDENTIALS
        ):
            # The limit is documented; the wording of the refusal is unverified.
            problem = graph_status(
                400,
                "Bad Request",
                "Request_BadRequest",
                "The number of federated identity credentials on this application exceeds the limit (20).",
            )
        if problem:
            raise ProviderError(f"{what}: {problem}")
        credential_id = tenant.new_id(f"federated/{name}")
        app["federatedIdentityCredentials"].append(
            {
                "id": credential_id,
                "name": inputs["displayName"],
                "issuer": inputs["issuer"],
                "subject": inputs["subject"],
                "audiences": list(inputs["audiences"]),
                "description": inputs.get("description"),
            }
        )
        return f"{object_id}/federatedIdentityCredential/{credential_id}", {
            "credentialId": credential_id
        }
