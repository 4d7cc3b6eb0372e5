"""Prove that deployed client applications work: a token and a FHIR/DICOM call per app.

    python -m tools.verify --stack dev
    pulumi stack output --json --show-secrets | python -m tools.verify --stack-output -

For each application with a client secret (or a certificate key given with ``--certificate``),
and each service it reaches, the tool gets a client-credentials token from Entra ID with MSAL,
retrying for up to a minute while a new secret is not accepted yet (AADSTS7000215), then calls
the service: FHIR ``GET <url>/metadata`` and ``GET <url>/Patient?_count=1``; DICOM
``GET <url>/v2/changefeed?limit=1``. It prints one row per app and service: the token result,
the ``aud`` and ``roles`` claims, the HTTP statuses and a verdict that names the fix. Apps it
cannot check this way (federated-only, public clients, certificates without a key) get a note
on how to check them.

Modules: ``tokens`` (MSAL, retries, certificate keys), ``probe`` (service calls, verdicts),
``guidance`` (notes for apps without a secret), ``report`` (table, JSON, leak check),
``net`` (TLS settings, network errors in words), ``cli`` (arguments, input, exit codes).

Exit codes: 0 every checked row passed (rows that cannot be checked do not fail), 1 at least one
row failed, 2 bad arguments or input (unreadable, invalid or redacted stack output, no Pulumi
CLI, an unusable key file), 3 a secret would have been printed (a bug: nothing is printed),
130 interrupted.
"""
