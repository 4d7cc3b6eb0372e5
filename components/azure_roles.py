"""Built-in Azure roles a client application must never hold on a service: roles that grant
access (they can write role assignments or role definitions), or that Microsoft classes as
privileged administrator roles.

A FHIR or DICOM client needs a data role (``healthcare.BUILT_IN_ROLES``) or a custom role
with data actions. A role GUID given as a "custom role" is checked against this table by the
configuration and, independently, by the policy pack (``policy/role_assignments.py``), so a GUID copied
from the wrong line cannot make a client application an administrator of the service.

Pure data, no imports: the policy pack loads it without the program's dependencies.

Source: Microsoft Learn, "Azure built-in roles" (learn.microsoft.com/azure/role-based-access-
control/built-in-roles; MicrosoftDocs/azure-docs articles/role-based-access-control/
built-in-roles.md, ms.date 2026-09-10, and built-in-roles/privileged.md, ms.date 07/01/2026):
the whole "Privileged" category, plus every other built-in role whose definition or
description there says it creates role assignments (Microsoft.Authorization/roleAssignments/
write, in most of them constrained by an ABAC condition to the roles of one service), plus
the roles that write other Microsoft.Authorization resources (policy, locks).
"""

# role definition GUID (lower case) -> role name, as Microsoft names it
PRIVILEGED_ROLES: dict[str, str] = {
    # Privileged category (built-in-roles/privileged.md).
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",  # Microsoft.Authorization/*
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "a8889054-8d42-49c9-bc1c-52486c10e7cd": "Reservations Administrator",
    # Other categories: roleAssignments/write, limited by a condition to some roles.
    "8b54135c-b56d-4d72-a534-26097cfdc8d8": "Key Vault Data Access Administrator",
    "66f75aeb-eabe-4b70-9f1e-c350c4c9ad04": "Virtual Machine Data Access Administrator",
    "95dd08a6-00bd-4661-84bf-f6726f83a4d0": "Azure Container Storage Contributor",
    "95de85bd-744d-4664-9dde-11430bc34793": "Azure Container Storage Owner",
    "e47c6f54-e4a2-4754-9501-8e0985b135e1": "Foundry Account Owner",
    "eadc314b-1a2d-4efa-be10-5d325db5065e": "Foundry Project Manager",
    "4e50c84c-c78e-4e37-b47e-e60ffea0a775": "Service Group Administrator",
    "4c6569b6-f23e-4295-9b90-bd4cc4ff3292": "DevCenter Owner",
    "fd8ea4d5-6509-4db0-bada-356ab233b4fa": "Azure Migrate Owner",
    "fd8ea4d5-6509-4db0-bada-356ab233b4fb": "Azure Local Migrate Owner",
    "bda0d508-adf1-4af0-9c28-88919fc3ae06": "Azure Stack HCI Administrator",
    # Other Microsoft.Authorization writes: policy assignments and definitions, locks.
    "36243c78-bf99-498c-9df9-86d9f8d28608": "Resource Policy Contributor",
    "fb1c8493-542b-48eb-b624-b4c8fea62acd": "Security Admin",
    "28bf596f-4eb7-45ce-b5bc-6cf482fec137": "Locks Contributor",
}


def privileged_role(role_guid: str) -> str | None:
    """The name of a privileged built-in role, or None for any other GUID."""
    return PRIVILEGED_ROLES.get(role_guid.strip().lower())
