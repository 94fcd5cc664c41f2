#!/usr/bin/env bash
# Create databases and users on the private instance. Idempotent: re-running with the same
# passwords changes nothing; with new passwords it updates them. Passwords come from the
# environment (see db/secrets.sh, which is sourced automatically when any is missing).
set -euo pipefail
# shellcheck source=db/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

for v in WX_ADMIN_PASSWORD INBOX_DB_PASSWORD GATEWAY_DB_PASSWORD CRM_DB_PASSWORD IDP_DB_PASSWORD; do
  if [ -z "${!v:-}" ]; then
    # shellcheck source=db/secrets.sh
    . "$WX_REPO/db/secrets.sh"
    break
  fi
done

wx_db_ping || wx_die "MariaDB is not running on $WX_DB_SOCKET (run db/start.sh first)"

q() { # SQL string literal
  local s=${1//\\/\\\\}
  printf "'%s'" "${s//\'/\'\'}"
}

user_sql() { # $1 user, $2 password
  local h
  for h in 127.0.0.1 localhost; do
    printf "CREATE USER IF NOT EXISTS '%s'@'%s' IDENTIFIED BY %s;\n" "$1" "$h" "$(q "$2")"
    printf "ALTER USER '%s'@'%s' IDENTIFIED BY %s;\n" "$1" "$h" "$(q "$2")"
  done
}

svc_sql() { # $1 database, $2 user, $3 password
  printf "CREATE DATABASE IF NOT EXISTS \`%s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" "$1"
  printf "ALTER DATABASE \`%s\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;\n" "$1"
  user_sql "$2" "$3"
  local h
  for h in 127.0.0.1 localhost; do
    # Exactly these rights, even if someone granted more by hand earlier.
    printf "REVOKE ALL PRIVILEGES, GRANT OPTION FROM '%s'@'%s';\n" "$2" "$h"
    printf "GRANT SELECT, INSERT, UPDATE, DELETE, EXECUTE ON \`%s\`.* TO '%s'@'%s';\n" "$1" "$2" "$h"
  done
}

{
  # Anonymous accounts would shadow nothing we use, but a private instance needs none.
  echo "DROP USER IF EXISTS ''@'localhost', ''@'$(hostname)';"
  user_sql wx_admin "$WX_ADMIN_PASSWORD"
  echo "GRANT ALL PRIVILEGES ON *.* TO 'wx_admin'@'127.0.0.1' WITH GRANT OPTION;"
  echo "GRANT ALL PRIVILEGES ON *.* TO 'wx_admin'@'localhost' WITH GRANT OPTION;"
  svc_sql weixin_inbox   inbox_svc   "$INBOX_DB_PASSWORD"
  svc_sql weixin_gateway gateway_svc "$GATEWAY_DB_PASSWORD"
  svc_sql crm            crm_svc     "$CRM_DB_PASSWORD"
  svc_sql weixin_idp     idp_svc     "$IDP_DB_PASSWORD"
} | wx_db_root

wx_log "databases weixin_inbox, weixin_gateway, crm, weixin_idp and users wx_admin, inbox_svc, gateway_svc, crm_svc, idp_svc are ready"
