#!/usr/bin/env bash
# One-time bootstrap of the two GitHub Actions identities for healthcare-clients.
#
#   preview identity  (read-only)  trusted on   repo:ORG/REPO:pull_request
#   deploy identity   (write)      trusted on   repo:ORG/REPO:environment:<env>
#
# Each is an Entra ID app registration + service principal with a federated identity
# credential (GitHub OIDC; no client secret exists, so none is printed), and gets exactly the
# rights of the least-privilege table in README.md (Teams and pipelines).
#
# Run it once per environment, as someone who can grant Microsoft Graph application permissions
# (Privileged Role Administrator or Global Administrator) and assign Azure roles at the scopes
# given (Owner or User Access Administrator / Role Based Access Control Administrator there).
# Re-running is safe: every step looks for what it would create and skips it when present.
#
# NOT RUN IN THIS REPOSITORY'S CI: it needs a real tenant and the az CLI; CI only checks it with
# `bash -n` and shellcheck. Use --dry-run to print the commands without running them.
#
# Usage:
#   tools/bootstrap_pipeline_identities.sh \
#     --repo contoso/healthcare-clients --env dev \
#     --subscription 00000000-0000-0000-0000-000000000000 \
#     --state-account contosopulumistate [--state-container pulumi-state] \
#     --health-scope /subscriptions/.../providers/Microsoft.HealthcareApis/workspaces/ws/fhirservices/fhir \
#     [--health-scope ...] [--key-vault /subscriptions/.../providers/Microsoft.KeyVault/vaults/kv] \
#     [--prefix healthcare-clients-ci] [--dry-run]
set -euo pipefail

GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
GITHUB_ISSUER=https://token.actions.githubusercontent.com
TOKEN_AUDIENCE=api://AzureADTokenExchange

# Microsoft Graph application permissions (app roles) per identity.
PREVIEW_GRAPH_ROLES=(Application.Read.All DelegatedPermissionGrant.Read.All)
DEPLOY_GRAPH_ROLES=(Application.ReadWrite.OwnedBy Application.Read.All
  DelegatedPermissionGrant.ReadWrite.All AppRoleAssignment.ReadWrite.All)

repo="" env="" subscription="" state_account="" state_container="pulumi-state"
prefix="healthcare-clients-ci" dry_run=false
health_scopes=() key_vaults=()

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "error: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --repo) repo="${2:?}"; shift 2 ;;
    --env) env="${2:?}"; shift 2 ;;
    --subscription) subscription="${2:?}"; shift 2 ;;
    --state-account) state_account="${2:?}"; shift 2 ;;
    --state-container) state_container="${2:?}"; shift 2 ;;
    --health-scope) health_scopes+=("${2:?}"); shift 2 ;;
    --key-vault) key_vaults+=("${2:?}"); shift 2 ;;
    --prefix) prefix="${2:?}"; shift 2 ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

[[ "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || die "--repo must be ORG/REPO"
[[ "$env" =~ ^[A-Za-z0-9_.-]+$ ]] || die "--env must be a GitHub environment name, e.g. dev"
[[ -n "$subscription" ]] || die "--subscription is required"
[[ -n "$state_account" ]] || die "--state-account is required"
[[ ${#health_scopes[@]} -gt 0 ]] || die "give at least one --health-scope (a HealthcareApis resource ID)"
for scope in "${health_scopes[@]}"; do
  shopt -s nocasematch
  [[ "$scope" == /subscriptions/*/providers/Microsoft.HealthcareApis/* ]] ||
    die "--health-scope is not a Microsoft.HealthcareApis resource ID: $scope"
  shopt -u nocasematch
done
command -v az >/dev/null || die "the az CLI is required"

say() { printf '==> %s\n' "$*"; }
# run: print the command; execute it unless --dry-run. Output of the command goes to stdout.
run() {
  printf '    $ %s\n' "$*" >&2
  if [[ "$dry_run" == true ]]; then echo "dry-run"; else "$@"; fi
}
# query: read-only az calls run even in --dry-run, so the plan shows what already exists.
query() { "$@" 2>/dev/null || true; }

az account set --subscription "$subscription"
tenant_id="$(az account show --query tenantId -o tsv)"
say "tenant $tenant_id, subscription $subscription, repository $repo, environment $env"

ensure_app() { # name -> prints appId
  local name="$1" app_id
  app_id="$(query az ad app list --display-name "$name" --query '[0].appId' -o tsv)"
  if [[ -z "$app_id" ]]; then
    say "create app registration '$name' (single tenant)" >&2
    app_id="$(run az ad app create --display-name "$name" --sign-in-audience AzureADMyOrg \
      --query appId -o tsv)"
  else
    say "app registration '$name' exists: $app_id" >&2
  fi
  echo "$app_id"
}

ensure_sp() { # appId -> prints service principal object id
  local app_id="$1" sp_id
  sp_id="$(query az ad sp list --filter "appId eq '$app_id'" --query '[0].id' -o tsv)"
  if [[ -z "$sp_id" ]]; then
    say "create service principal for $app_id" >&2
    sp_id="$(run az ad sp create --id "$app_id" --query id -o tsv)"
  else
    say "service principal exists: $sp_id" >&2
  fi
  echo "$sp_id"
}

ensure_federated_credential() { # appId name subject
  local app_id="$1" name="$2" subject="$3" existing
  existing="$(query az ad app federated-credential list --id "$app_id" \
    --query "[?name=='$name'].subject | [0]" -o tsv)"
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

graph_sp_id="$(az ad sp show --id "$GRAPH_APP_ID" --query id -o tsv)"

ensure_graph_role() { # sp_id permission
  local sp_id="$1" permission="$2" role_id count
  role_id="$(az ad sp show --id "$GRAPH_APP_ID" \
    --query "appRoles[?value=='$permission' && contains(allowedMemberTypes, 'Application')].id | [0]" \
    -o tsv)"
  [[ -n "$role_id" ]] || die "Microsoft Graph publishes no application permission '$permission'"
  count="$(query az rest --method GET \
    --uri "https://graph.microsoft.com/v1.0/servicePrincipals/$sp_id/appRoleAssignments" \
    --query "length(value[?appRoleId=='$role_id'])" -o tsv)"
  if [[ "${count:-0}" != "0" ]]; then
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

ensure_role() { # sp_id role scope
  local sp_id="$1" role="$2" scope="$3" count
  count="$(query az role assignment list --assignee "$sp_id" --role "$role" --scope "$scope" \
    --query 'length(@)' -o tsv)"
  if [[ "${count:-0}" != "0" ]]; then
    say "'$role' already assigned at $scope"
    return
  fi
  say "assign '$role' at $scope"
  run az role assignment create --assignee-object-id "$sp_id" \
    --assignee-principal-type ServicePrincipal --role "$role" --scope "$scope" >/dev/null
}

# --- state backend container ------------------------------------------------------------------
account_id="$(az storage account list --query "[?name=='$state_account'].id | [0]" -o tsv)"
[[ -n "$account_id" ]] || die "storage account '$state_account' not found in subscription $subscription"
say "state container '$state_container' in $state_account"
run az storage container create --name "$state_container" --account-name "$state_account" \
  --auth-mode login >/dev/null
container_scope="$account_id/blobServices/default/containers/$state_container"

# --- preview identity: read-only --------------------------------------------------------------
preview_name="$prefix-preview"
preview_app="$(ensure_app "$preview_name")"
preview_sp="$(ensure_sp "$preview_app")"
ensure_federated_credential "$preview_app" github-pull-request "repo:$repo:pull_request"
for permission in "${PREVIEW_GRAPH_ROLES[@]}"; do ensure_graph_role "$preview_sp" "$permission"; done
ensure_role "$preview_sp" "Storage Blob Data Reader" "$container_scope"
for scope in "${health_scopes[@]}"; do ensure_role "$preview_sp" Reader "$scope"; done
for vault in "${key_vaults[@]}"; do ensure_role "$preview_sp" Reader "$vault"; done

# --- deploy identity: write, only from the protected environment -------------------------------
deploy_name="$prefix-deploy-$env"
deploy_app="$(ensure_app "$deploy_name")"
deploy_sp="$(ensure_sp "$deploy_app")"
ensure_federated_credential "$deploy_app" "github-environment-$env" "repo:$repo:environment:$env"
for permission in "${DEPLOY_GRAPH_ROLES[@]}"; do ensure_graph_role "$deploy_sp" "$permission"; done
ensure_role "$deploy_sp" "Storage Blob Data Contributor" "$container_scope"
for scope in "${health_scopes[@]}"; do
  ensure_role "$deploy_sp" "Role Based Access Control Administrator" "$scope"
done
for vault in "${key_vaults[@]}"; do ensure_role "$deploy_sp" "Key Vault Secrets Officer" "$vault"; done

cat <<EOF

Done. Set these GitHub settings on $repo (none of them is a secret except the passphrase):
  repository variables:  AZURE_TENANT_ID=$tenant_id
                         AZURE_SUBSCRIPTION_ID=$subscription
                         AZURE_PREVIEW_CLIENT_ID=$preview_app
                         PULUMI_BACKEND_URL=azblob://$state_container?storage_account=$state_account
  environment '$env':    variable AZURE_DEPLOY_CLIENT_ID=$deploy_app
                         deployment branches: main only
  repository secret:     PULUMI_CONFIG_PASSPHRASE (set it yourself; this script never sees it)
EOF
