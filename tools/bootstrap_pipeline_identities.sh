#!/usr/bin/env bash
# One-time bootstrap of the two GitHub Actions identities of one stack of healthcare-clients.
# (Longer than 400 lines: one function per right it checks or grants, each with the refusal
# that names the fix; bash has no modules to split them into without sourcing files.)
#
#   preview identity  (read-only)  trusted on  repo:ORG/REPO:environment:preview-<stack>
#   deploy identity   (write)      trusted on  repo:ORG/REPO:environment:<stack>
#
# Each is an Entra ID app registration + service principal with one federated identity
# credential (GitHub OIDC; no client secret exists, so none is printed). They get the rights of
# the table in docs/pipelines.md ("Permissions the deploying identity needs"), printed by
# --print-permissions, and only the rows of the features the stack uses: give the flags, or
# --stack-file to read them from the stack's config (both add up).
#
# Run it once per stack as a user (az login) who can grant Microsoft Graph application
# permissions (Privileged Role Administrator) and assign roles and create a custom role at the
# scopes given (Owner or User Access Administrator there). Re-running is safe: every step looks
# for what it would create and skips it when present. An existing app registration is used only
# when it is verified: exactly one app has the display name, it carries this script's tag, you
# are its only owner, it has no secret, certificate or other federated credential; otherwise
# pass its client ID with --preview-app-id / --deploy-app-id after checking it yourself.
#
# NOT RUN AGAINST AZURE BY THIS REPOSITORY: tests/tools/test_bootstrap.py runs it against a fake `az`.
# Use --dry-run to print every change without making it (reads still run).
#
# Usage:
#   tools/bootstrap_pipeline_identities.sh --repo ORG/REPO --env STACK --subscription SUB \
#     --state-account ACCOUNT [--state-container pulumi-state] \
#     [--stack-file Pulumi.STACK.yaml] \
#     [--owners] [--delegated-consent] [--app-role-consent] \
#     [--health-scope FHIR_OR_DICOM_SERVICE_ID ...] [--custom-data-role ROLE_GUID ...] \
#     [--key-vault VAULT_ID ...] \
#     [--preview-app-id CLIENT_ID] [--deploy-app-id CLIENT_ID] [--prefix NAME] [--dry-run]
#   tools/bootstrap_pipeline_identities.sh --print-permissions
#
# Features (flag: the stack config that needs it):
#   --owners             `owners` set on any application
#   --delegated-consent  `adminConsent: true` with delegated scopes in `apiPermissions`
#   --app-role-consent   `adminConsent: true` with application permissions (app roles)
#   --health-scope ID    `roles` on that FHIR / DICOM / Azure API for FHIR service
#   --key-vault ID       `keyVault.id` (an Azure RBAC vault)
set -euo pipefail

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
GITHUB_ISSUER=https://token.actions.githubusercontent.com
TOKEN_AUDIENCE=api://AzureADTokenExchange
TAG_PREFIX=healthcare-clients:pipeline

# The rights, one line per docs/pipelines.md row: feature|identity|kind|grant|scope. The code below grants
# exactly the rows of the features in use; tests/tools/test_bootstrap.py compares the docs/pipelines.md table
# with --print-permissions and the grants with what the script does.
GRANTS=(
  "always|deploy|graph|Application.ReadWrite.OwnedBy|tenant"
  "always|deploy|graph|Application.Read.All|tenant"
  "always|deploy|role|Storage Blob Data Contributor|state container"
  "always|preview|graph|Application.Read.All|tenant"
  "always|preview|role|Storage Blob Data Reader|state container"
  "owners|deploy|graph|Directory.Read.All|tenant"
  "delegated-consent|deploy|graph|DelegatedPermissionGrant.ReadWrite.All|tenant"
  "app-role-consent|deploy|graph|AppRoleAssignment.ReadWrite.All|tenant"
  "roles|deploy|role+condition|Role Based Access Control Administrator|each --health-scope"
  "key-vault|deploy|custom role|healthcare-clients Key Vault secret delivery|each --key-vault"
)

# Role Based Access Control Administrator may only add or remove the FHIR / DICOM data roles,
# for service principals (MicrosoftDocs azure-docs role-based-access-control/
# delegate-role-assignments-examples.md, "Constrain roles and principal types"). GUIDs as in
# components/healthcare.py (Microsoft Learn, "Azure built-in roles"; docs/design.md, "Sources").
FHIR_DATA_ROLES=(
  5a1fc7df-4bf1-4951-a576-89034ee01acd # FHIR Data Contributor
  4c8d0bbc-75d3-4935-991f-5f3c56d81508 # FHIR Data Reader
  3f88fce4-5892-4214-ae73-ba5294559913 # FHIR Data Writer
  3db33094-8700-4567-8da5-1501d4e7e843 # FHIR Data Exporter
  a1705bd2-3a8f-45a5-8683-466fcfd5cc24 # FHIR Data Converter
  4ba50f17-9666-485c-a643-ff00808643f0 # FHIR SMART User
)
FHIR_IMPORTER_ROLE=4465e953-8ced-4406-a58e-0f6e3f3b530b # FHIR Data Importer: fhirservices only
DICOM_DATA_ROLES=(
  58a3b984-7adf-4c20-983a-32417c86fbc8 # DICOM Data Owner
  e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a # DICOM Data Reader
)

# azure-native writes keyvault.Secret through ARM (PUT .../vaults/<v>/secrets/<s>, the action
# Microsoft.KeyVault/vaults/secrets/write; reads with .../secrets/read) and deletes it through
# the Key Vault data plane (pulumi-azure-native provider/pkg/resources/customresources/
# custom_keyvault.go: "DELETE is implemented via the KeyVault data plane API"), which needs the
# data action Microsoft.KeyVault/vaults/secrets/delete. No built-in role is that narrow: Key Vault
# Secrets Officer has no secrets/write action, Key Vault Contributor has Microsoft.KeyVault/*
# (MicrosoftDocs azure-docs built-in-roles/security.md), so this custom role carries exactly the
# three. No purge, no read of secret values.
KV_ROLE_NAME="healthcare-clients Key Vault secret delivery"
KV_ACTIONS=(Microsoft.KeyVault/vaults/secrets/read Microsoft.KeyVault/vaults/secrets/write)
KV_DATA_ACTIONS=(Microsoft.KeyVault/vaults/secrets/delete)

repo="" env="" subscription="" state_account="" state_container="pulumi-state"
prefix="healthcare-clients-ci" dry_run=false stack_file="" preview_app_arg="" deploy_app_arg=""
want_owners=false want_delegated=false want_app_roles=false
health_scopes=() key_vaults=() custom_roles=() derived_names=()

usage() { sed -n '2,39p' "$0" | sed 's/^# \{0,1\}//'; }
die() {
  echo "error: $*" >&2
  exit 2
}
say() { printf '==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# shellcheck disable=SC2016 # the backticks are Markdown (docs/pipelines.md table), not command substitution
feature_label() {
  case "$1" in
    always) echo "always" ;;
    owners) echo '`owners` on any application (`--owners`)' ;;
    delegated-consent) echo '`adminConsent` with delegated scopes (`--delegated-consent`)' ;;
    app-role-consent) echo '`adminConsent` with app roles (`--app-role-consent`)' ;;
    roles) echo '`roles` (`--health-scope`)' ;;
    key-vault) echo '`keyVault` (`--key-vault`)' ;;
  esac
}

print_permissions() { # the docs/pipelines.md table's rows, in order
  local row feature identity kind grant scope what
  for row in "${GRANTS[@]}"; do
    IFS='|' read -r feature identity kind grant scope <<<"$row"
    case "$kind" in
      graph) what="Graph application permission \`$grant\`" ;;
      role) what="Azure role **$grant**" ;;
      role+condition) what="Azure role **$grant**, with a condition: only the FHIR / DICOM data roles, only to service principals" ;;
      "custom role")
        what="Azure custom role **$grant**: actions \`${KV_ACTIONS[0]}\`, \`${KV_ACTIONS[1]}\`; data action \`${KV_DATA_ACTIONS[0]}\`"
        ;;
    esac
    printf '| %s | %s | %s | %s |\n' "$(feature_label "$feature")" "$identity" "$what" "$scope"
  done
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --repo) repo="${2:?}"; shift 2 ;;
    --env) env="${2:?}"; shift 2 ;;
    --subscription) subscription="${2:?}"; shift 2 ;;
    --state-account) state_account="${2:?}"; shift 2 ;;
    --state-container) state_container="${2:?}"; shift 2 ;;
    --stack-file) stack_file="${2:?}"; shift 2 ;;
    --owners) want_owners=true; shift ;;
    --delegated-consent) want_delegated=true; shift ;;
    --app-role-consent) want_app_roles=true; shift ;;
    --health-scope) health_scopes+=("${2:?}"); shift 2 ;;
    --custom-data-role) custom_roles+=("${2:?}"); shift 2 ;;
    --key-vault) key_vaults+=("${2:?}"); shift 2 ;;
    --preview-app-id) preview_app_arg="${2:?}"; shift 2 ;;
    --deploy-app-id) deploy_app_arg="${2:?}"; shift 2 ;;
    --prefix) prefix="${2:?}"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    --print-permissions) print_permissions; exit 0 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

GUID='[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
[[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "--repo must be ORG/REPO"
[[ "$env" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--env must be the stack (and GitHub environment) name, e.g. dev"
[[ "$subscription" =~ ^$GUID$ ]] || die "--subscription must be a subscription ID (a GUID)"
[[ "$state_account" =~ ^[a-z0-9]{3,24}$ ]] || die "--state-account must be a storage account name"
[[ "$state_container" =~ ^[a-z0-9-]{3,63}$ ]] || die "--state-container must be a blob container name"
[[ "$prefix" =~ ^[A-Za-z0-9._-]+$ ]] || die "--prefix may hold only letters, digits, '.', '_' and '-'"
for arg in "$preview_app_arg" "$deploy_app_arg"; do
  [[ -z "$arg" || "$arg" =~ ^$GUID$ ]] || die "--preview-app-id / --deploy-app-id take a client ID (a GUID): $arg"
done

# --- features from the stack file ----------------------------------------------------------------
# Read with the project's .venv Python when there is one (PyYAML is pinned there), else python3.
read_stack_file() { # file -> lines: "owners" | "delegated-consent" | "app-role-consent" |
  #                   "names <api app id> <name>" | "health-scope <id>" | "custom-role <guid> <where>" |
  #                   "key-vault <id>" | "deployer <guid>"
  local python here
  here="$(cd "$(dirname "$0")/.." && pwd)"
  python="$here/.venv/bin/python"
  [[ -x "$python" ]] || python="$(command -v python3 || true)"
  if [[ -z "$python" ]] || ! "$python" -c 'import yaml' 2>/dev/null; then
    die "--stack-file needs Python with PyYAML: run 'make plan' once (it creates .venv), or give the feature flags"
  fi
  "$python" - "$1" <<'PY'
import re
import sys

import yaml

GUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
APIS = {  # components/healthcare.py WELL_KNOWN_APIS and API_FOR_KIND
    "azure-healthcare-apis": "4f6778d8-5aef-43dc-a1ff-b073724b9495",
    "azure-api-for-dicom": "75e725bf-66ce-4cea-9b9a-5c4caae57f33",
    "microsoft-graph": "00000003-0000-0000-c000-000000000000",
}
API_FOR_KIND = {"fhir": "azure-healthcare-apis", "api-for-fhir": "azure-healthcare-apis",
                "dicom": "azure-api-for-dicom"}
DATA_ROLE_GUIDS = {  # the built-in FHIR / DICOM data roles (components/healthcare.py)
    "5a1fc7df-4bf1-4951-a576-89034ee01acd", "4c8d0bbc-75d3-4935-991f-5f3c56d81508",
    "3f88fce4-5892-4214-ae73-ba5294559913", "3db33094-8700-4567-8da5-1501d4e7e843",
    "4465e953-8ced-4406-a58e-0f6e3f3b530b", "a1705bd2-3a8f-45a5-8683-466fcfd5cc24",
    "4ba50f17-9666-485c-a643-ff00808643f0", "58a3b984-7adf-4c20-983a-32417c86fbc8",
    "e89c7a3c-2f64-4fa1-a847-3e4c9ba4283a",
}
PREFIX = "healthcare-clients:"


def fail(message):
    print(f"error: {sys.argv[1]}: {message}", file=sys.stderr)
    sys.exit(3)


try:
    with open(sys.argv[1], encoding="utf-8") as handle:
        doc = yaml.safe_load(handle) or {}
except (OSError, yaml.YAMLError) as err:
    fail(f"cannot read it: {err}")
config = {k[len(PREFIX):]: v for k, v in (doc.get("config") or {}).items() if k.startswith(PREFIX)}
for key in ("applications", "services"):
    if isinstance(config.get(key), dict) and set(config[key]) == {"secure"}:
        fail(f"'{PREFIX}{key}' is encrypted (secret config), so the features cannot be read "
             "from it: give the feature flags instead")
services = config.get("services") or {}
out = []
if GUID.fullmatch(str(config.get("deployerObjectId", ""))):
    out.append(f"deployer {config['deployerObjectId']}")
for name, app in (config.get("applications") or {}).items():
    if not isinstance(app, dict):
        continue
    if app.get("owners"):
        out.append("owners")
    if app.get("adminConsent") is True:
        for key, perms in (app.get("apiPermissions") or {}).items():
            key = str(key)
            if key in services:
                api = APIS[API_FOR_KIND[services[key]["kind"]]]
            elif key in APIS:
                api = APIS[key]
            elif GUID.fullmatch(key):
                api = key
            else:
                fail(f"applications.{name}.apiPermissions: unknown key '{key}'")
            if isinstance(perms, dict):
                if perms.get("scopes"):
                    out.append("delegated-consent")
                if perms.get("roles"):
                    out.append("app-role-consent")
            else:
                for permission in perms or []:
                    if not re.fullmatch(r"[A-Za-z0-9._/*-]+", str(permission)):
                        fail(f"applications.{name}.apiPermissions.{key}: odd name {permission!r}")
                    out.append(f"names {api} {permission}")
    for service, roles in (app.get("roles") or {}).items():
        if service not in services:
            fail(f"applications.{name}.roles: unknown service '{service}'")
        out.append(f"health-scope {services[service]['resourceId']}")
        for role in roles or []:
            if GUID.fullmatch(str(role)) and str(role).lower() not in DATA_ROLE_GUIDS:
                out.append(f"custom-role {str(role).lower()} applications.{name}.roles.{service}")
    vault = app.get("keyVault")
    if isinstance(vault, dict) and vault.get("id"):
        out.append(f"key-vault {vault['id']}")
print("\n".join(dict.fromkeys(out)))
PY
}

stack_deployer=""
if [[ -n "$stack_file" ]]; then
  [[ -f "$stack_file" ]] || die "--stack-file $stack_file does not exist"
  derived="$(read_stack_file "$stack_file")" || exit $?
  while read -r kind first rest; do
    case "$kind" in
      owners) want_owners=true ;;
      delegated-consent) want_delegated=true ;;
      app-role-consent) want_app_roles=true ;;
      health-scope) health_scopes+=("$first") ;;
      key-vault) key_vaults+=("$first") ;;
      deployer) stack_deployer="$first" ;;
      names) derived_names+=("$first $rest") ;;
      custom-role)
        [[ " ${custom_roles[*]} " == *" $first "* ]] ||
          die "$rest assigns role $first, which is not a built-in FHIR/DICOM data role; check that it is a custom role with data actions only, then pass --custom-data-role $first"
        ;;
      "") ;;
    esac
  done <<<"$derived"
fi

for scope in "${health_scopes[@]}"; do
  shopt -s nocasematch
  [[ "$scope" =~ ^/subscriptions/$GUID/resourceGroups/[^/]+/providers/Microsoft\.HealthcareApis/(workspaces/[^/]+/fhirservices|workspaces/[^/]+/dicomservices|services)/[^/]+$ ]] ||
    die "--health-scope is not a FHIR, DICOM or Azure API for FHIR service ID: $scope"
  shopt -u nocasematch
done
for vault in "${key_vaults[@]}"; do
  [[ "$vault" =~ ^/subscriptions/$GUID/resourceGroups/[^/]+/providers/Microsoft\.KeyVault/vaults/[^/]+$ ]] ||
    die "--key-vault is not a Key Vault resource ID: $vault"
done
for role in "${custom_roles[@]}"; do
  [[ "$role" =~ ^$GUID$ ]] || die "--custom-data-role takes a role definition GUID: $role"
done
command -v az >/dev/null || die "the az CLI is required"

# run: print a change; make it unless --dry-run. Reads are plain `az` calls: they run in
# --dry-run too, so the plan shows what exists, and any failing read stops the script (set -e).
run() {
  { printf '    $ az' && printf ' %q' "${@:2}" && printf '\n'; } >&2 # shell-quoted: copy-pasteable
  [[ "$dry_run" == true ]] || "$@"
}
trap 'echo "error: stopped at line $LINENO; the steps above it are done, none after it" >&2' ERR

me="$(az ad signed-in-user show --query id -o tsv)" ||
  die "run the bootstrap as a user (az login): it checks that you own the identities it grants rights to"
tenant_id="$(az account show --subscription "$subscription" --query tenantId -o tsv)"
graph_sp_id="$(az ad sp show --id "$GRAPH_APP_ID" --query id -o tsv)"

# Names without a scope/role marker resolve like the program does: a scope when the API
# publishes it as one, else an application permission (docs/configuration.md, "API permissions by name").
for entry in "${derived_names[@]}"; do
  read -r api name <<<"$entry"
  scopes="$(az ad sp show --id "$api" --query "length(oauth2PermissionScopes[?value=='$name'])" -o tsv)"
  if [[ "$scopes" != "0" ]]; then
    want_delegated=true
    continue
  fi
  roles="$(az ad sp show --id "$api" --query "length(appRoles[?value=='$name'])" -o tsv)"
  [[ "$roles" != "0" ]] || die "API $api publishes no permission '$name' (the program would refuse it too)"
  want_app_roles=true
done

features=(always)
[[ "$want_owners" == false ]] || features+=(owners)
[[ "$want_delegated" == false ]] || features+=(delegated-consent)
[[ "$want_app_roles" == false ]] || features+=(app-role-consent)
[[ ${#health_scopes[@]} -eq 0 ]] || features+=(roles)
[[ ${#key_vaults[@]} -eq 0 ]] || features+=(key-vault)
uses() { [[ " ${features[*]} " == *" $1 "* ]]; }

say "tenant $tenant_id, subscription $subscription, repository $repo, stack $env"
say "features: ${features[*]}${stack_file:+ (flags and $stack_file)}"
[[ "$dry_run" == false ]] || say "dry run: changes are printed, not made"

# --- identities ------------------------------------------------------------------------------------

# verify_app appId tag subject: refuse an app registration that is not this stack's identity.
verify_app() {
  local app_id="$1" tag="$2" subject="$3" tagged owners foreign creds others
  if [[ -n "$tag" ]]; then
    tagged="$(az ad app show --id "$app_id" --query "contains(tags, '$tag')" -o tsv)"
    [[ "$tagged" == "true" ]] ||
      die "app $app_id has the expected name but not the tag '$tag' that this script puts on the apps it creates: it was not made by this bootstrap. Check it and pass its client ID with --preview-app-id / --deploy-app-id, or rename it"
  fi
  owners="$(az ad app owner list --id "$app_id" --query "[].id" -o tsv)"
  [[ "$owners" == *"$me"* ]] || die "app $app_id is not owned by you ($me): refusing to grant it rights"
  foreign="$(az ad app owner list --id "$app_id" --query "[?id!='$me'].id" -o tsv)"
  [[ -z "$foreign" ]] || die "app $app_id has other owners ($(echo "$foreign" | tr '\n' ' ')), who could add credentials to it: remove them first"
  creds="$(az ad app show --id "$app_id" --query "sum([length(passwordCredentials), length(keyCredentials)])" -o tsv)"
  [[ "$creds" == "0" ]] || die "app $app_id has a client secret or certificate; this identity must be secretless: remove them first"
  others="$(az ad app federated-credential list --id "$app_id" --query "[?!(issuer=='$GITHUB_ISSUER' && subject=='$subject')].subject" -o tsv)"
  [[ -z "$others" ]] || die "app $app_id also trusts other subjects ($(echo "$others" | tr '\n' ' ')): remove those federated credentials first"
}

# find_app name tag subject explicitAppId -> the verified appId of an existing identity, or ""
# when none exists yet. Reads only: every identity is verified before anything is changed.
find_app() {
  local name="$1" tag="$2" subject="$3" explicit="$4" app_id matches count
  if [[ -n "$explicit" ]]; then
    app_id="$(az ad app show --id "$explicit" --query appId -o tsv)"
    say "app registration given: $app_id ($(az ad app show --id "$explicit" --query displayName -o tsv))"
    verify_app "$app_id" "" "$subject"
    verify_sp "$app_id"
    echo "$app_id"
    return
  fi
  # `az ad app list --display-name` filters with startswith (Azure/azure-cli role/custom.py,
  # list_apps), which would also match "NAME-old" or a stranger's "NAME2": filter with eq, and
  # compare again in the query.
  matches="$(az ad app list --filter "displayName eq '$name'" --query "[?displayName=='$name'].appId" -o tsv)"
  count="$(grep -c . <<<"$matches" || true)"
  if [[ "$count" -gt 1 ]]; then
    die "$count app registrations are named '$name' ($(echo "$matches" | tr '\n' ' ')): pass the right client ID with --preview-app-id / --deploy-app-id"
  elif [[ "$count" -eq 1 ]]; then
    say "app registration '$name' exists: $matches; verifying it"
    verify_app "$matches" "$tag" "$subject"
    verify_sp "$matches"
    echo "$matches"
  fi
}

verify_sp() { # appId: an existing service principal of it has no other owner and no credential
  local sp_id foreign creds
  sp_id="$(az ad sp list --filter "appId eq '$1'" --query "[0].id" -o tsv)"
  [[ -n "$sp_id" ]] || return 0
  foreign="$(az ad sp owner list --id "$sp_id" --query "[?id!='$me'].id" -o tsv)"
  [[ -z "$foreign" ]] || die "service principal $sp_id has other owners ($(echo "$foreign" | tr '\n' ' ')), who could add credentials to it: remove them first"
  creds="$(az ad sp show --id "$sp_id" --query "sum([length(passwordCredentials), length(keyCredentials)])" -o tsv)"
  [[ "$creds" == "0" ]] || die "service principal $sp_id has a secret or certificate; it must be secretless: remove them first"
}

create_app() { # name tag -> appId (or "<new NAME>" in a dry run)
  local name="$1" tag="$2" app_id
  say "create app registration '$name' (single tenant, tagged $tag)"
  app_id="$(run az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg --query appId -o tsv)"
  app_id="${app_id:-<new $name>}"
  run az rest --method PATCH --uri "https://graph.microsoft.com/v1.0/applications(appId='$app_id')" \
    --headers Content-Type=application/json --body "{\"tags\":[\"$tag\"]}" >/dev/null
  echo "$app_id"
}

ensure_sp() { # appId -> service principal object ID (verified by find_app when it existed)
  local app_id="$1" sp_id=""
  [[ "$app_id" == "<new "* ]] ||
    sp_id="$(az ad sp list --filter "appId eq '$app_id'" --query "[0].id" -o tsv)"
  if [[ -n "$sp_id" ]]; then
    say "service principal exists: $sp_id"
  else
    say "create service principal for $app_id"
    sp_id="$(run az ad sp create --id "$app_id" --query id -o tsv)"
    sp_id="${sp_id:-<new service principal of $app_id>}"
  fi
  echo "$sp_id"
}

ensure_federated_credential() { # appId name subject
  local app_id="$1" name="$2" subject="$3" existing=""
  [[ "$app_id" == "<new "* ]] ||
    existing="$(az ad app federated-credential list --id "$app_id" --query "[?name=='$name'].subject | [0]" -o tsv)"
  if [[ "$existing" == "$subject" ]]; then
    say "federated credential '$name' exists ($subject)"
    return
  fi
  [[ -z "$existing" ]] || die "federated credential '$name' has subject '$existing', expected '$subject'"
  say "add federated credential '$name' for subject $subject"
  run az ad app federated-credential create --id "$app_id" --parameters \
    "{\"name\":\"$name\",\"issuer\":\"$GITHUB_ISSUER\",\"subject\":\"$subject\",\"audiences\":[\"$TOKEN_AUDIENCE\"]}" \
    >/dev/null
}

graph_role_id() { # permission -> Graph app role ID
  local role_id
  role_id="$(az ad sp show --id "$GRAPH_APP_ID" \
    --query "appRoles[?value=='$1' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)"
  [[ -n "$role_id" ]] || die "Microsoft Graph publishes no application permission '$1'"
  echo "$role_id"
}

ensure_graph_role() { # sp_id permission
  local sp_id="$1" permission="$2" role_id count="0"
  role_id="$(graph_role_id "$permission")"
  [[ "$sp_id" == "<new "* ]] ||
    count="$(az rest --method GET --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$sp_id/appRoleAssignments" \
      --query "length(value[?appRoleId=='$role_id'])" -o tsv)"
  if [[ "$count" != "0" ]]; then
    say "Graph $permission already granted"
    return
  fi
  say "grant Graph application permission $permission (admin consent)"
  run az rest --method POST \
    --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$sp_id/appRoleAssignments" \
    --headers Content-Type=application/json \
    --body "{\"principalId\":\"$sp_id\",\"resourceId\":\"$graph_sp_id\",\"appRoleId\":\"$role_id\"}" \
    >/dev/null
}

# Graph rights an identity already holds beyond what the chosen features need (for example
# AppRoleAssignment.ReadWrite.All from an earlier version of this script): reported, not removed,
# so a forgotten flag cannot break a running pipeline.
report_extra_graph_roles() { # sp_id identity wanted...
  local sp_id="$1" identity="$2" held value
  shift 2
  [[ "$sp_id" != "<new "* ]] || return 0
  held="$(az rest --method GET --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$sp_id/appRoleAssignments" \
    --query "value[?resourceId=='$graph_sp_id'].appRoleId" -o tsv)"
  for role_id in $held; do
    value="$(az ad sp show --id "$GRAPH_APP_ID" --query "appRoles[?id=='$role_id'].value | [0]" -o tsv)"
    [[ " $* " == *" $value "* ]] ||
      warn "the $identity identity holds Graph $value, which the features in use do not need; review and remove it (Entra admin center > Enterprise applications > Permissions)"
  done
}

# ensure_role sp_id role scope [condition]: one assignment of role at exactly scope, with exactly
# that condition. An assignment of the role there with another condition (or none) is replaced:
# `az role assignment create` would otherwise report the old one as already existing.
ensure_role() {
  local sp_id="$1" role="$2" scope="$3" condition="${4:-}" line existing="" id current found=false
  [[ "$sp_id" == "<new "* ]] ||
    existing="$(az role assignment list --assignee "$sp_id" --role "$role" --scope "$scope" \
      --query "[?scope=='$scope'].[id, condition]" -o tsv)"
  while IFS=$'\t' read -r id current; do
    [[ -n "$id" ]] || continue
    if [[ "$current" == "$condition" ]]; then
      found=true
    else
      say "'$role' at $scope has another condition (or none); replacing it"
      run az role assignment delete --ids "$id" >/dev/null
    fi
  done <<<"$existing"
  if [[ "$found" == true ]]; then
    say "'$role' already assigned at $scope"
    return
  fi
  say "assign '$role' at $scope${condition:+ (with a condition)}"
  line=(az role assignment create --assignee-object-id "$sp_id" --assignee-principal-type ServicePrincipal
    --role "$role" --scope "$scope")
  [[ -z "$condition" ]] || line+=(--condition "$condition" --condition-version 2.0)
  run "${line[@]}" >/dev/null
}

data_role_condition() { # scope -> the ABAC condition for RBAC Administrator there
  local scope="$1" ids=() joined
  shopt -s nocasematch
  if [[ "$scope" == */dicomservices/* ]]; then
    ids=("${DICOM_DATA_ROLES[@]}")
  elif [[ "$scope" == */fhirservices/* ]]; then
    ids=("${FHIR_DATA_ROLES[@]}" "$FHIR_IMPORTER_ROLE")
  else
    ids=("${FHIR_DATA_ROLES[@]}")
  fi
  shopt -u nocasematch
  ids+=("${custom_roles[@]}")
  joined="$(printf '%s, ' "${ids[@]}")"
  joined="${joined%, }"
  printf '%s' "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {$joined} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'})) AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {$joined} AND @Resource[Microsoft.Authorization/roleAssignments:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {'ServicePrincipal'}))"
}

check_custom_data_role() { # guid: a custom role with data actions only, never a built-in role
  local kind actions
  kind="$(az role definition list --subscription "$subscription" --name "$1" --query "[0].roleType" -o tsv)"
  [[ "$kind" == "CustomRole" ]] ||
    die "--custom-data-role $1 is not a custom role in this subscription (${kind:-not found}): the condition admits only the FHIR/DICOM data roles and custom data roles"
  actions="$(az role definition list --subscription "$subscription" --name "$1" --query "length([0].permissions[].actions[])" -o tsv)"
  [[ "$actions" == "0" ]] || die "--custom-data-role $1 has control-plane actions: only data-action roles may be admitted"
}

ensure_key_vault_role() { # vault_ids... : the custom role exists with exactly our permissions
  local scopes=() vault sub count existing actions data_actions not_actions assignable want_scopes json
  for vault in "$@"; do
    sub="$(cut -d/ -f1-3 <<<"$vault")"
    [[ " ${scopes[*]} " == *" $sub "* ]] || scopes+=("$sub")
  done
  count="$(az role definition list --subscription "$subscription" --name "$KV_ROLE_NAME" --custom-role-only true \
    --query "length(@)" -o tsv)"
  if [[ "$count" != "0" ]]; then
    existing="$(az role definition list --subscription "$subscription" --name "$KV_ROLE_NAME" --custom-role-only true \
      --query "[0] | join('|', [join(',', sort(permissions[0].actions)), join(',', sort(permissions[0].dataActions)), join(',', sort(permissions[0].notActions)), join(',', sort(assignableScopes))])" -o tsv)"
    IFS='|' read -r actions data_actions not_actions assignable <<<"$existing"
    [[ "$actions" == "$(IFS=,; echo "${KV_ACTIONS[*]}")" && "$data_actions" == "${KV_DATA_ACTIONS[*]}" && -z "$not_actions" ]] ||
      die "custom role '$KV_ROLE_NAME' exists with other permissions ($actions; $data_actions): review it, it is not the one this script creates"
    for sub in "${scopes[@]}"; do
      [[ ",$assignable," == *",$sub,"* ]] ||
        die "custom role '$KV_ROLE_NAME' is not assignable in $sub: add that subscription to its assignableScopes"
    done
    say "custom role '$KV_ROLE_NAME' exists"
    return
  fi
  want_scopes="$(printf '"%s",' "${scopes[@]}")"
  json="{\"Name\":\"$KV_ROLE_NAME\",\"Description\":\"healthcare-clients: write Key Vault secrets through ARM and delete them through the data plane, as pulumi-azure-native keyvault.Secret does. No purge, no reading of values.\",\"Actions\":[\"${KV_ACTIONS[0]}\",\"${KV_ACTIONS[1]}\"],\"NotActions\":[],\"DataActions\":[\"${KV_DATA_ACTIONS[0]}\"],\"NotDataActions\":[],\"AssignableScopes\":[${want_scopes%,}]}"
  say "create custom role '$KV_ROLE_NAME'"
  run az role definition create --subscription "$subscription" --role-definition "$json" >/dev/null
}

# --- reads and checks: nothing changes before every one of them has passed --------------------------
for custom in "${custom_roles[@]}"; do check_custom_data_role "$custom"; done
for vault in "${key_vaults[@]}"; do
  rbac="$(az resource show --ids "$vault" --query properties.enableRbacAuthorization -o tsv)"
  [[ "$rbac" == "true" ]] ||
    die "vault $vault uses access policies: the data-plane delete needs Azure RBAC (switch the vault's permission model)"
done
account_id="$(az storage account list --subscription "$subscription" --query "[?name=='$state_account'].id | [0]" -o tsv)"
[[ -n "$account_id" ]] || die "storage account '$state_account' not found in subscription $subscription"
container_scope="$account_id/blobServices/default/containers/$state_container"
container_exists="$(az storage container-rm exists --storage-account "$account_id" --name "$state_container" --query exists -o tsv)"

preview_env="preview-$env"
preview_name="$prefix-preview-$env" preview_tag="$TAG_PREFIX:$repo:preview:$env"
preview_subject="repo:$repo:environment:$preview_env"
deploy_name="$prefix-deploy-$env" deploy_tag="$TAG_PREFIX:$repo:deploy:$env"
deploy_subject="repo:$repo:environment:$env"
preview_app="$(find_app "$preview_name" "$preview_tag" "$preview_subject" "$preview_app_arg")"
deploy_app="$(find_app "$deploy_name" "$deploy_tag" "$deploy_subject" "$deploy_app_arg")"

# --- changes -----------------------------------------------------------------------------------------
if [[ "$container_exists" == "true" ]]; then
  say "state container '$state_container' exists in $state_account"
else
  say "create state container '$state_container' in $state_account"
  run az storage container-rm create --storage-account "$account_id" --name "$state_container" >/dev/null
fi

# grant identity sp_id: every row of GRANTS for this identity and the features in use.
grant() {
  local identity="$1" sp_id="$2" row feature who kind name scope wanted=()
  for row in "${GRANTS[@]}"; do
    IFS='|' read -r feature who kind name scope <<<"$row"
    if [[ "$who" != "$identity" ]] || ! uses "$feature"; then continue; fi
    case "$kind" in
      graph)
        wanted+=("$name")
        ensure_graph_role "$sp_id" "$name"
        ;;
      role) ensure_role "$sp_id" "$name" "$container_scope" ;;
      role+condition)
        for scope in "${health_scopes[@]}"; do
          ensure_role "$sp_id" "$name" "$scope" "$(data_role_condition "$scope")"
        done
        ;;
      "custom role")
        ensure_key_vault_role "${key_vaults[@]}"
        for scope in "${key_vaults[@]}"; do ensure_role "$sp_id" "$name" "$scope"; done
        ;;
    esac
  done
  report_extra_graph_roles "$sp_id" "$identity" "${wanted[@]}"
}

# Preview identity: read-only, from the protected environment preview-<stack>.
preview_app="${preview_app:-$(create_app "$preview_name" "$preview_tag")}"
preview_sp="$(ensure_sp "$preview_app")"
ensure_federated_credential "$preview_app" "github-environment-$preview_env" "$preview_subject"
grant preview "$preview_sp"

# Deploy identity: write, only from the protected environment <stack>.
deploy_app="${deploy_app:-$(create_app "$deploy_name" "$deploy_tag")}"
deploy_sp="$(ensure_sp "$deploy_app")"
ensure_federated_credential "$deploy_app" "github-environment-$env" "$deploy_subject"
grant deploy "$deploy_sp"

if [[ -n "$stack_deployer" && "$stack_deployer" != "$deploy_sp" ]]; then
  warn "$stack_file sets healthcare-clients:deployerObjectId to $stack_deployer, but the deploy identity is $deploy_sp"
fi

done_note=""
[[ "$dry_run" == false ]] || done_note=" (dry run: nothing was changed)"
cat <<EOF

Done$done_note. Next steps (no value below is a secret):

  1. Stack config, committed with the stack file: the deploy identity's service principal owns
     the service principals the stack creates, whoever runs the program:
       pulumi config set healthcare-clients:deployerObjectId $deploy_sp --stack $env

  2. GitHub environment '$env' (deployment branches: main only) with variables
       AZURE_TENANT_ID=$tenant_id
       AZURE_SUBSCRIPTION_ID=$subscription
       AZURE_DEPLOY_CLIENT_ID=$deploy_app
       PULUMI_BACKEND_URL=azblob://$state_container?storage_account=$state_account
     and the secret PULUMI_CONFIG_PASSPHRASE.

  3. GitHub environment '$preview_env' with required reviewers and "Prevent self-review",
     and administrators not allowed to bypass, with variables
       AZURE_TENANT_ID=$tenant_id
       AZURE_SUBSCRIPTION_ID=$subscription
       AZURE_PREVIEW_CLIENT_ID=$preview_app
       PULUMI_BACKEND_URL=azblob://$state_container?storage_account=$state_account
     and the secret PULUMI_CONFIG_PASSPHRASE. Then set the repository variable LIVE_PREVIEW=true.
     Without required reviewers, leave LIVE_PREVIEW unset: PRs then get the offline plan.

  Keep PULUMI_CONFIG_PASSPHRASE out of repository secrets: a repository secret reaches every
  pull request from a branch of the repository. This script never sees the passphrase.
EOF
