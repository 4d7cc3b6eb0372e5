"""Credentials without a shared secret: certificates and federated identity credentials."""

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
                value=cert.pem,
                # Entra requires the credential's dates to match the certificate's own.
                start_date=rfc3339(cert.not_before),
                end_date=rfc3339(cert.not_after),
                opts=child,
            )
            for key, cert in certificates.items()
        }
        self.federated = {
            key: azuread.ApplicationFederatedIdentityCredential(
                f"{name}-fic-{key}",
                application_id=application_id,
                display_name=key,
                description=guard(cred.description) if cred.description else None,
                issuer=guard(cred.issuer),
                subject=guard(cred.subject),
                audiences=list(cred.audiences),
                opts=child,
            )
            for key, cred in federated_credentials.items()
        }
        self.register_outputs(
            {
                "certificates": {
                    key: {"thumbprint": cert.thumbprint, "endDate": rfc3339(cert.not_after)}
                    for key, cert in certificates.items()
                },
                "federatedCredentials": sorted(federated_credentials),
            }
        )
