#!/usr/bin/env bash
# Regenerate the idempotent schema scripts a DBA can apply by hand:
#   db/sql/weixin_inbox.sql   (PublicInbox migrations)
#   db/sql/weixin_gateway.sql (IntranetPoller migrations)
#   db/sql/crm.sql            (CrmApp migrations)
#   db/sql/weixin_idp.sql     (IdentityProvider migrations)
# Extra arguments are passed to `dotnet ef migrations script` (e.g. --context X, --no-build).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p db/sql
dotnet tool restore
dotnet ef migrations script --idempotent --project PublicInbox   -o db/sql/weixin_inbox.sql   "$@"
dotnet ef migrations script --idempotent --project IntranetPoller -o db/sql/weixin_gateway.sql "$@"
dotnet ef migrations script --idempotent --project CrmApp         -o db/sql/crm.sql            "$@"
dotnet ef migrations script --idempotent --project IdentityProvider -o db/sql/weixin_idp.sql   "$@"
echo "wrote db/sql/weixin_inbox.sql, db/sql/weixin_gateway.sql, db/sql/crm.sql and db/sql/weixin_idp.sql"
