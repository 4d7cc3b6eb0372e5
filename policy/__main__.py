"""Policy pack entry point: assembles the pack and nothing else.

``PolicyPack(...)`` starts the analyzer's gRPC server and blocks forever, so never import this
module (tests import ``policy.policies`` and the rule modules). Run it through the CLI:
``pulumi preview --policy-pack policy [--policy-pack-config policy-config.json]``.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The CLI runs this file with the pack's directory as the working directory; import the pack's
# modules as the `policy` package, the same way the tests and tools do.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.policies import POLICIES

PolicyPack(
    name="healthcare-clients-guardrails",
    description=(
        "Guardrails for Entra ID client applications of Azure Health Data Services: "
        "single-tenant, no implicit grant, expiring secrets, https redirects, "
        "HealthcareApis-scoped RBAC without privileged roles, exact federated subjects."
    ),
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=list(POLICIES),
)
