"""A Microsoft Graph fake on HTTPS loopback, for the real azuread provider.

The real ``pulumi-resource-azuread`` plugin is configured with ``metadataHost`` pointing at
this server (terraform-provider-azuread ``internal/provider/provider.go``: a custom cloud
environment read from ``https://<metadataHost>/metadata/endpoints``), authenticates at its
token endpoint, and sends its Graph requests here. The server keeps Entra's directory in the
same JSON state the rest of the testbed reads (``testbed.store``), and behaves as Graph's
documentation says Graph behaves, each rule cited where it is written. It never imports the
program's validation.
"""
