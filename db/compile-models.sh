#!/usr/bin/env bash
# Regenerate the compiled EF Core models, <service>/Data/CompiledModel, after any change to a DbContext's model (with the
# migration it needs: dotnet ef migrations add, then db/generate-sql.sh). The services run on these generated copies so EF
# does not build its model at every start (issue 14: start time and memory); each service's CompiledModelTests fail while
# a copy is stale. Extra arguments are passed to `dotnet ef dbcontext optimize` (e.g. --no-build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dotnet tool restore
optimize() { # $1 project, $2 context
  dotnet ef dbcontext optimize --project "$1" --startup-project "$1" --context "$2" \
    --output-dir Data/CompiledModel --namespace "Weixin.Inbox.$1.Data.CompiledModel" "${@:3}"
}
optimize PublicInbox InboxDbContext "$@"
optimize IntranetPoller GatewayDbContext "$@"
optimize CrmApp CrmDbContext "$@"
optimize IdentityProvider IdpDbContext "$@"
echo "wrote PublicInbox/Data/CompiledModel, IntranetPoller/Data/CompiledModel, CrmApp/Data/CompiledModel, IdentityProvider/Data/CompiledModel"
