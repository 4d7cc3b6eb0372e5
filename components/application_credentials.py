"""Credentials without a shared secret: certificates and federated identity credentials."""

import hashlib
from collections.abc import Mapping

import pulumi
import pulumi_azuread as azuread

from components.certificates import CertificateInfo
from components.clock import rfc3339
from components.config import FederatedCredential
from components.parent import Parent
from components.provider_resources import APPLICATION_CERTIFICATE, FEDERATED_CREDENTIAL
from components.secrecy import secret_if


def application_credentials(
    parent: Parent,
    *,
    application_id: pulumi.Input[str],
    certificates: Mapping[str, CertificateInfo],
    federated_credentials: Mapping[str, FederatedCredential],
) -> None:
    """One ``ApplicationCertificate`` per certificate (its dates are the certificate's
    own, as Entra requires) and one federated identity credential per entry."""
    name, secret = parent.name, parent.secret
    for key, cert in certificates.items():
        cert_name = f"{name}-cert-{key}"
        azuread.ApplicationCertificate(
            cert_name,
            application_id=application_id,
            type="AsymmetricX509Cert",
            encoding="pem",
            value=secret_if(cert.pem, secret),
            start_date=secret_if(rfc3339(cert.not_before), secret),
            end_date=secret_if(rfc3339(cert.not_after), secret),
            opts=parent.options(APPLICATION_CERTIFICATE),
        )
    for key, cred in federated_credentials.items():
        _federated(parent, key, cred, application_id)


def _federated(
    parent: Parent, key: str, cred: FederatedCredential, application_id: pulumi.Input[str]
) -> None:
    # Entra keeps both the name and the issuer+subject pair unique per application, and
    # a resource whose URN changes is created before the old one is deleted. So the URN
    # follows the issuer+subject pair (a renamed key keeps it and is replaced, delete
    # first: `displayName` forces a new resource), and the name carries the pair's digest
    # (a new subject under the same key gets a new URN and a name that does not collide).
    name, secret = parent.name, parent.secret
    digest = federated_digest(cred.issuer, cred.subject)
    credential_name = f"{name}-fic-{digest}"
    azuread.ApplicationFederatedIdentityCredential(
        credential_name,
        application_id=application_id,
        display_name=secret_if(f"{key}-{digest}", secret),
        description=secret_if(cred.description, secret) if cred.description else None,
        issuer=secret_if(cred.issuer, secret),
        subject=secret_if(cred.subject, secret),
        audiences=secret_if(list(cred.audiences), secret),
        opts=parent.options(
            FEDERATED_CREDENTIAL,
            delete_before_replace=True,
        ),
    )


def federated_digest(issuer: str, subject: str) -> str:
    """Eight hex digits that name an issuer+subject pair, stable across runs."""
    return hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:8]
