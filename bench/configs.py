"""Stack configs for the benchmark: N applications, each using every feature.

Every application has platforms (mobileDesktop + web + spa redirect URIs), a two-slot
overlap secret, API permissions with admin consent (DICOM and FHIR ``user_impersonation``
through the ``dicom`` and ``fhir`` service keys), data roles on FHIR and DICOM, and a GitHub
branch federated credential. No extra owners (the deployer owns each app). Two services.

The values are kept short on purpose: the engine hands the whole stack config to the program
in one environment variable, which Linux caps at 128 KiB (docs/troubleshooting.md). At about
620 bytes per application, 200 applications fit (123 KB); with a description and longer URIs
(700 bytes each) they did not, and the engine benchmark's N=200 failed to start.

The config is in the shape ``testbed.stackfile.load_stack_file`` returns (keys without the
project prefix), so both programs read it through ``pulumi.Config`` like on a real run.
"""

from typing import Any

# The benchmark's one clock: secret generations derive from it, so reruns are identical.
NOW = "2026-11-27T09:00:00Z"
SIZES = (1, 10, 100, 500)

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
WORKSPACE_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-health-bench"
    "/providers/Microsoft.HealthcareApis/workspaces/wsbench"
)
SERVICES: dict[str, dict[str, str]] = {
    "fhir": {"kind": "fhir", "resourceId": f"{WORKSPACE_ID}/fhirservices/fhirbench"},
    "dicom": {"kind": "dicom", "resourceId": f"{WORKSPACE_ID}/dicomservices/dicombench"},
}


def app_name(index: int) -> str:
    return f"app-{index:04d}"


def application(index: int) -> dict[str, Any]:
    return {
        "displayName": f"Bench client {index:04d}",
        "publicClientFlows": True,
        "redirectUris": {
            "mobileDesktop": ["postman", f"b{index}://auth"],
            "web": [f"https://w{index}.example.org/"],
            "spa": [f"https://s{index}.example.org/", "http://localhost:3000/"],
        },
        "secret": {"expiresIn": "6 months", "rotation": "overlap"},
        "apiPermissions": {
            "dicom": ["user_impersonation"],
            "fhir": ["user_impersonation"],
        },
        "adminConsent": True,
        "roles": {
            "fhir": ["FHIR Data Contributor"],
            "dicom": ["DICOM Data Owner"],
        },
        "federatedCredentials": {
            "github-main": {"repository": f"contoso/bench-{index:04d}", "branch": "main"},
        },
    }


def stack_config(n: int) -> dict[str, Any]:
    """The ``healthcare-clients:*`` config of a stack with ``n`` applications."""
    if n < 1:
        raise ValueError("n must be at least 1")
    return {
        "protect": False,
        "services": {name: dict(spec) for name, spec in SERVICES.items()},
        "applications": {app_name(i): application(i) for i in range(n)},
    }


# Per application: registration, service principal, public-client flag, 3 redirect sets,
# 2 passwords, 1 federated credential, 2 API accesses, 2 consent grants, 2 role assignments
# (no owner resource: Entra makes the deployer an owner). Ours adds one component per
# application, its ClientApplication.
CUSTOM_PER_APP = 15
COMPONENTS_PER_APP = 1
