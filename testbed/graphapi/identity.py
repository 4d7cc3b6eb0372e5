"""How the provider finds and signs in to this Graph: the cloud metadata document and Entra's
v2 token endpoint, for the workload identity federation (OIDC) sign-in the pipelines use.

- The metadata document is what go-azure-sdk ``environments.FromEndpoint`` reads from
  ``<endpoint>/metadata/endpoints?api-version=2022-09-01`` (sdk/internal/metadata/client.go):
  it needs ``name``, ``resourceManager``, ``microsoftGraphResourceId`` (which is also Graph's
  endpoint, environments.MicrosoftGraphAPI) and ``authentication``. Everything points here.
- The token request is the client-credentials grant with a client assertion
  (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow, "Second
  case: Access token request with a certificate", and "workload identity federation": the
  assertion is the external token). Entra accepts the external token when a federated identity
  credential of the application matches its issuer and subject and its audience is
  ``api://AzureADTokenExchange`` (learn.microsoft.com/entra/workload-id/
  workload-identity-federation-create-trust; AADSTS70021 otherwise, AADSTS700016 for an
  unknown client, AADSTS700024 for an expired assertion: the AADSTS error code reference).
- The access token carries ``oid``, ``tid``, ``appid`` and ``roles`` (Graph application
  permissions): terraform-provider-azuread ``internal/clients/client.go`` decodes the token
  up front and takes the caller's object ID from ``oid``.
"""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from testbed.testpki import JwtError, sign_jwt, split_jwt, verify_signature

TOKEN_LIFETIME = 3600
TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"  # noqa: S105 (an audience)
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

Reply = tuple[int, dict[str, Any]]


def metadata(base: str, tenant_id: str) -> dict[str, Any]:
    return {
        "name": "HealthcareClientsLoopback",
        "portal": base,
        "resourceManager": f"{base}/",
        "microsoftGraphResourceId": f"{base}/",
        "graph": f"{base}/",
        "graphAudience": f"{base}/",
        "authentication": {
            "loginEndpoint": f"{base}/",
            "audiences": [f"{base}/"],
            "tenant": "common",
            "identityProvider": "AAD",
        },
        "suffixes": {},
        "tenantId": tenant_id,
    }


def _entra_error(error: str, code: int, description: str) -> Reply:
    return 400 if error != "invalid_client" else 401, {
        "error": error,
        "error_description": f"AADSTS{code}: {description}",
        "error_codes": [code],
    }


def issue_token(  # noqa: PLR0913 (the request and what Entra signs it with)
    form: dict[str, str],
    *,
    tenant: dict[str, Any],
    base: str,
    signing_key: rsa.RSAPrivateKey,
    kid: str,
    issuer_keys: dict[str, rsa.RSAPublicKey],
) -> Reply:
    """Entra's answer to a v2 client-credentials request for the deploying identity."""
    caller = tenant["caller"]
    if form.get("grant_type") != "client_credentials":
        return _entra_error("unsupported_grant_type", 70003, "Unsupported grant type.")
    if form.get("client_id", "").lower() != caller["clientId"].lower():
        return _entra_error(
            "unauthorized_client",
            700016,
            f"Application with identifier '{form.get('client_id')}' was not found in the "
            f"directory '{tenant['tenantId']}'.",
        )
    refused = _check_assertion(form, caller, issuer_keys)
    if refused is not None:
        return refused
    if form.get("scope") != f"{base}/.default":
        return _entra_error(
            "invalid_resource",
            500011,
            f"The resource principal named {form.get('scope', '').removesuffix('/.default')} "
            f"was not found in the tenant named {tenant['tenantId']}.",
        )
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": f"{base}/",
        "iss": f"https://sts.windows.net/{tenant['tenantId']}/",
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME,
        "appid": caller["clientId"],
        "idtyp": "app",
        "oid": caller["objectId"],
        "sub": caller["objectId"],
        "tid": tenant["tenantId"],
        "roles": list(caller.get("graphPermissions") or []),
        "ver": "1.0",
    }
    token = sign_jwt(signing_key, {"kid": kid}, claims)
    return 200, {"token_type": "Bearer", "expires_in": TOKEN_LIFETIME, "access_token": token}


def _check_assertion(
    form: dict[str, str], caller: dict[str, Any], issuer_keys: dict[str, rsa.RSAPublicKey]
) -> Reply | None:
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE or not form.get(
        "client_assertion"
    ):
        # This tenant's deploying identity has no secret or certificate: federation only.
        return _entra_error(
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or "
            "'client_secret'.",
        )
    try:
        header, claims, signing_input, signature = split_jwt(form["client_assertion"])
        key = issuer_keys.get(str(claims.get("iss")))
        if key is None:
            raise JwtError("unknown issuer")
        verify_signature(key, header.get("alg"), signing_input, signature)
    except JwtError as error:
        return _entra_error("invalid_client", 700027, f"Client assertion failed: {error}.")
    if int(claims.get("exp", 0)) < time.time():
        return _entra_error(
            "invalid_client", 700024, "Client assertion is not within its valid time range."
        )
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    for credential in caller.get("federatedIdentityCredentials") or []:
        if (
            credential["issuer"] == claims.get("iss")
            and credential["subject"] == claims.get("sub")
            and TOKEN_EXCHANGE_AUDIENCE in audiences
        ):
            return None
    return _entra_error(
        "invalid_client",
        70021,
        "No matching federated identity record found for presented assertion. Assertion "
        f"Issuer: '{claims.get('iss')}'. Assertion Subject: '{claims.get('sub')}'. "
        f"Assertion Audience: '{','.join(map(str, audiences))}'.",
    )
