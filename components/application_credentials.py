"""Credentials without a shared secret: certificates and federated identity credentials."""

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_azuread as azuread

from components.certificates import CertificateInfo
from components.clock import rfc3339
from components.config import FederatedCredential


class ApplicationCredentials(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        application_id: pulumi.Input[str],
        certificates: Mapping[str, CertificateInfo],
        federated_credentials: Mapping[str, FederatedCredential],
        guard: Callable[[Any], Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("healthcare-clients:index:ApplicationCredentials", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.certificates = {
            key: azuread.ApplicationCertificate(
                f"{name}-cert-{key}",
                application_id=application_id,
                type="AsymmetricX509Cert",
                encoding="pem",
                value=guard(cert.pem),
                # Entra requires the credential's dates to match the certificate's own.
                start_date=guard(rfc3339(cert.not_before)),
                end_date=guard(rfc3339(cert.not_after)),
                opts=child,
            )
            for key, cert in certificates.items()
        }
        self.federated = {
            key: self._federated(name, key, cred, application_id, guard)
            for key, cred in federated_credentials.items()
        }
        self.register_outputs(
            {
                "certificates": guard(
                    {
                        key: {"thumbprint": cert.thumbprint, "endDate": rfc3339(cert.not_after)}
                        for key, cert in certificates.items()
                    }
                ),
                "federatedCredentials": guard(sorted(federated_credentials)),
            }
        )

    def _federated(
        self,
        name: str,
        key: str,
        cred: FederatedCredential,
        application_id: pulumi.Input[str],
        guard: Callable[[Any], Any],
    ) -> azuread.ApplicationFederatedIdentityCredential:
        # Entra keeps both the name and the issuer+subject pair unique per application, and
        # a resource whose URN changes is created before the old one is deleted. So the URN
        # follows the issuer+subject pair (a renamed key keeps it and is replaced, delete
        # first: `displayName` forces a new resource), and the name carries the pair's digest
        # (a new subject under the same key gets a new URN and a name that does not collide).
        digest = federated_digest(cred.issuer, cred.subject)
        return azuread.ApplicationFederatedIdentityCredential(
            f"{name}-fic-{digest}",
            application_id=application_id,
            display_name=guard(f"{key}-{digest}"),
            description=guard(cred.description) if cred.description else None,
            issuer=guard(cred.issuer),
            subject=guard(cred.subject),
            audiences=guard(list(cred.audiences)),
            opts=pulumi.ResourceOptions(
                parent=self,
                delete_before_replace=True,
                # Stacks deployed before this naming keep their credentials: the old URN
                # maps onto the new one, whose new name then replaces it once.
                aliases=[pulumi.Alias(name=f"{name}-fic-{key}")],
            ),
        )


def federated_digest(issuer: str, subject: str) -> str:
    """Eight hex digits that name an issuer+subject pair, stable across runs."""
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
