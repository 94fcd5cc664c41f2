#!/usr/bin/env bash
# Weixin.Inbox — one entry point for the local demo and the test suite.
#   ./run.sh [demo]   whole system live against the WeChat simulator (Ctrl-C stops the services)
#   ./run.sh test     install what is missing, start MariaDB, build, publish, run every tests/*.Tests project
#   ./run.sh publish  Release builds of PublicInbox, IntranetPoller, CrmApp, IdentityProvider into dist/<service>/ (docs/DEPLOY.md)
#   ./run.sh db       only start the private MariaDB (127.0.0.1:3307) and create databases/users
#   ./run.sh stop     stop services a previous demo left behind, and the database
#   ./run.sh phone [url]  open the demo CRM (or url, e.g. the sample app http://127.0.0.1:5500) in Chromium as WeChat's phone browser
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# shellcheck source=db/common.sh
. db/common.sh

CONFIGURATION=Debug
TFM=net10.0
LOG_DIR="$WX_DATA/logs"
PIDS_FILE="$WX_DATA/run.pids"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '%s\n' "$*"; }
dll() { printf '%s/bin/%s/%s/%s.dll' "$1" "$CONFIGURATION" "$TFM" "$(basename "$1")"; }
cs() { # connection string: $1 database (may be empty), $2 user, $3 password
  printf 'Server=%s;Port=%s;%sUser ID=%s;Password=%s' "$WX_DB_HOST" "$WX_DB_PORT" "${1:+Database=$1;}" "$2" "$3"
}

usage() {
  sed -n '2,8s/^# \{0,1\}//p' "$(basename "${BASH_SOURCE[0]}")"
}

build() {
  say "building Weixin.Inbox.sln ($CONFIGURATION)…"
  dotnet build Weixin.Inbox.sln -c "$CONFIGURATION" -nologo -v q -clp:NoSummary
}

# ---------------------------------------------------------------- publish
PUBLISHED=(PublicInbox IntranetPoller CrmApp IdentityProvider)

cmd_publish() {
  # Note: framework-dependent (no runtime identifier): the hosts install Microsoft's aspnetcore-runtime package and one
  # dist/ runs on any of them; Release, so the GC/thread-pool settings of Service.Runtime.props land in each
  # <service>.runtimeconfig.json exactly as measured.
  local s
  for s in "${PUBLISHED[@]}"; do
    # Note: a clean directory, so a file removed from the project (an old appsettings, a dropped dependency) cannot
    # survive in dist/ and be copied to a host.
    rm -rf "dist/$s"
    say "publishing $s (Release) → dist/$s/"
    dotnet publish -c Release -o "dist/$s" "$s/$s.csproj" -nologo -v q -clp:NoSummary \
      || wx_die "dotnet publish $s failed"
    [ -f "dist/$s/$s.dll" ] || wx_die "dotnet publish $s left no dist/$s/$s.dll"
  done
  # Note: the idempotent schema scripts travel with the binaries they belong to (docs/DEPLOY.md applies them with the
  # mariadb client as root on each database host); <service>.dll migrate does the same with an admin connection.
  rm -rf dist/sql
  mkdir -p dist/sql
  cp db/sql/weixin_inbox.sql db/sql/weixin_gateway.sql db/sql/crm.sql db/sql/weixin_idp.sql dist/sql/
  say ""
  say "published (framework-dependent, needs aspnetcore-runtime-10.0 on the host):"
  for s in "${PUBLISHED[@]}"; do say "  $PWD/dist/$s/$s.dll"; done
  say "  $PWD/dist/sql/{weixin_inbox,weixin_gateway,crm,weixin_idp}.sql (schema, idempotent)"
  say "next: docs/DEPLOY.md (copy dist/<service>/ to /opt/weixin/<service>/ on its host)"
}

database() {
  # shellcheck source=db/secrets.sh
  . db/secrets.sh
  db/start.sh
  db/create.sh
}

# ---------------------------------------------------------------- stop
is_our_dotnet() { # pid still alive and still a dotnet process (pids get reused)
  kill -0 "$1" 2>/dev/null && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'dotnet'
}

stop_previous_demo() {
  [ -s "$PIDS_FILE" ] || { rm -f "$PIDS_FILE"; return 0; }
  local name pid left=()
  while read -r name pid; do
    if [ -n "${pid:-}" ] && is_our_dotnet "$pid"; then
      say "stopping $name (pid $pid) left by a previous demo"
      kill "$pid" 2>/dev/null || true
      left+=("$pid")
    fi
  done <"$PIDS_FILE"
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "${left[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${left[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -f "$PIDS_FILE"
}

cmd_stop() {
  stop_previous_demo
  db/stop.sh
}

# ---------------------------------------------------------------- demo
NAMES=()
PIDS=()
PORTS=()

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "${#PIDS[@]}" -gt 0 ]; then
    say ""
    say "stopping: ${NAMES[*]}"
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 1 20); do
      local alive=0
      for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ "$alive" = 0 ] && break
      sleep 0.5
    done
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -f "$PIDS_FILE"
    say "MariaDB keeps running on $WX_DB_HOST:$WX_DB_PORT; stop it with db/stop.sh (or ./run.sh stop)."
  fi
  exit "$rc"
}

start_service() { # $1 name, $2 port, $3 dll, rest: NAME=value environment
  local name=$1 port=$2 path=$3
  shift 3
  [ -f "$path" ] || wx_die "$path not found (did the build succeed?)"
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
    wx_die "port $port is already in use; is another demo running? (./run.sh stop)"
  fi
  env Logging__JsonFile="$LOG_DIR/$name.json" "$@" dotnet "$path" --urls "http://127.0.0.1:$port" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  local pid=$!
  NAMES+=("$name"); PIDS+=("$pid"); PORTS+=("$port")
  printf '%s %s\n' "$name" "$pid" >>"$PIDS_FILE"
  say "started $name (pid $pid, port $port, log .data/logs/$name.log)"
}

wait_healthy() { # $1 index into NAMES/PIDS/PORTS; returns 1 on failure (log tail printed)
  local i=$1 name=${NAMES[$1]} pid=${PIDS[$1]} port=${PORTS[$1]}
  for _ in $(seq 1 120); do
    if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/healthz"; then
      say "$name is healthy: http://127.0.0.1:$port/healthz"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      say "!! $name exited during start-up; last lines of .data/logs/$name.log:" >&2
      tail -n 40 "$LOG_DIR/$name.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  say "!! $name did not answer http://127.0.0.1:$port/healthz within 60 s; last lines of .data/logs/$name.log:" >&2
  tail -n 40 "$LOG_DIR/$name.log" >&2 || true
  : "$i"
  return 1
}

migrate() { # $1 project, $2 database
  say "migrating $2 ($1)…"
  # timeout: a build without the `migrate` command would start the web host and never exit.
  ConnectionStrings__Migrations="$(cs "$2" wx_admin "$WX_ADMIN_PASSWORD")" \
    timeout 300 dotnet "$(dll "$1")" migrate >"$LOG_DIR/$1-migrate.log" 2>&1 \
    || { tail -n 40 "$LOG_DIR/$1-migrate.log" >&2; wx_die "$1 migrate failed (log .data/logs/$1-migrate.log)"; }
}

crm_admin_password() { # the demo CRM's admin password: generated once into .data/crm-admin.env (mode 600)
  local file="$WX_DATA/crm-admin.env"
  if [ ! -s "$file" ]; then
    ( umask 077; printf 'CRM_ADMIN_PASSWORD=crm%s%s\n' "$(od -An -tx1 -N5 /dev/urandom | tr -d ' \n')" "$((RANDOM % 90 + 10))" >"$file" )
  fi
  # shellcheck disable=SC1090
  . "$file"
}

seed_crm() { # admin account (password from crm_admin_password) and demo customers; runs as crm_svc
  crm_admin_password
  say "seeding crm (admin account, demo customers)…"
  ConnectionStrings__Crm="$(cs crm crm_svc "$CRM_DB_PASSWORD")" Seed__AdminPassword="$CRM_ADMIN_PASSWORD" \
    timeout 120 dotnet "$(dll CrmApp)" seed >"$LOG_DIR/CrmApp-seed.log" 2>&1 \
    || { tail -n 40 "$LOG_DIR/CrmApp-seed.log" >&2; wx_die "CrmApp seed failed (log .data/logs/CrmApp-seed.log)"; }
}

inbox_admin() { # the demo inbox's admin: password generated once, hashed by `PublicInbox hash-password`, both in .data/inbox-admin.env
  local file="$WX_DATA/inbox-admin.env"
  if [ ! -s "$file" ] || ! grep -q '^INBOX_ADMIN_HASH=' "$file"; then
    local password hash
    password="inbox$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"
    hash="$(printf '%s\n' "$password" | dotnet "$(dll PublicInbox)" hash-password)" || wx_die "PublicInbox hash-password failed"
    ( umask 077; printf 'INBOX_ADMIN_PASSWORD=%s\nINBOX_ADMIN_HASH=%s\n' "$password" "$hash" >"$file" )
  fi
  # shellcheck disable=SC1090
  . "$file"
}

# ---------------------------------------------------------------- demo: sample relying party (issue 16; idprp's block)
# tests/SampleRelyingParty signs in through the IdentityProvider (5400) with Microsoft's OpenIdConnect handler. It runs
# twice: 5500 as the confidential client `sample` (secret IDP_SAMPLE_CLIENT_SECRET from db/secrets.sh) and 5501 as the
# public client `sample2` (PKCE only), so SSO into a second app can be tried. Both clients are registered at the
# provider by its own start lines (Oidc__Clients__*).
SAMPLE_APP=tests/SampleRelyingParty
SAMPLE_APPS=0

service_index() { # $1 name; prints its index in NAMES (the arrays may have holes after a dropped service)
  local i
  for i in "${!NAMES[@]}"; do [ "${NAMES[$i]}" = "$1" ] && { printf '%s' "$i"; return 0; }; done
  return 1
}

start_sample_apps() { # after the IdentityProvider started; nothing when the sample app or the provider is not built
  [ -f "$(dll "$SAMPLE_APP")" ] && [ -f "$(dll IdentityProvider)" ] || return 0
  local common=(Oidc__Authority=http://127.0.0.1:5400/ Oidc__RequireHttpsMetadata=false)
  start_service SampleApp 5500 "$(dll "$SAMPLE_APP")" "${common[@]}" \
    Oidc__ClientId=sample Oidc__ClientSecret="$IDP_SAMPLE_CLIENT_SECRET" App__Title="示例应用"
  start_service SampleApp2 5501 "$(dll "$SAMPLE_APP")" "${common[@]}" \
    Oidc__ClientId=sample2 Oidc__ClientSecret= App__Title="示例应用二"
  local name i
  SAMPLE_APPS=1
  for name in SampleApp SampleApp2; do
    i="$(service_index "$name")"
    if ! wait_healthy "$i"; then
      # Note: like the CRM, a broken sample leaves the rest of the demo running.
      say "!! $name is not healthy; continuing without the sample apps." >&2
      SAMPLE_APPS=0
    fi
  done
  if [ "$SAMPLE_APPS" = 0 ]; then
    for name in SampleApp SampleApp2; do
      i="$(service_index "$name")" || continue
      kill "${PIDS[$i]}" 2>/dev/null || true
      wait "${PIDS[$i]}" 2>/dev/null || true
      unset 'NAMES[$i]' 'PIDS[$i]' 'PORTS[$i]'
    done
  fi
}

print_sample_apps() { # banner lines
  if [ "$SAMPLE_APPS" = 1 ]; then
    say "  SampleRelyingParty (sample)  http://127.0.0.1:5500   (sample2, a second app for SSO: http://127.0.0.1:5501)"
    say "OIDC 示例应用：手机用 ./run.sh phone http://127.0.0.1:5500 点「微信登录」；电脑浏览器打开 http://127.0.0.1:5500 点「微信登录」扫码（/sim/chat 里「扫一扫」再发送数字）；同意后看到声明，再开 :5501 无需再次微信登录。"
  fi
}
# ---------------------------------------------------------------- end of the sample relying party's block

cmd_demo() {
  export ASPNETCORE_ENVIRONMENT=Development
  mkdir -p "$LOG_DIR"
  stop_previous_demo
  database
  build
  migrate PublicInbox weixin_inbox
  migrate IntranetPoller weixin_gateway
  if [ -f "$(dll CrmApp)" ]; then
    migrate CrmApp crm
    seed_crm
  fi
  # ---- IdentityProvider (issue 16, helper idp): its database ----
  if [ -f "$(dll IdentityProvider)" ]; then
    migrate IdentityProvider weixin_idp
  fi
  # ---- end IdentityProvider ----

  inbox_admin

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  : >"$PIDS_FILE"

  local app_id=wx_sim_app_0001 app_secret=sim_app_secret_for_local_tests_only
  start_service WeixinSimulator 5080 "$(dll tests/WeixinSimulator)" \
    Simulator__AppId="$app_id" Simulator__AppSecret="$app_secret" \
    Simulator__Token="$WEIXIN_TOKEN" Simulator__EncodingAESKey="$WEIXIN_AES_KEY" \
    Simulator__CallbackUrl=http://127.0.0.1:5000/wx/callback \
    Simulator__OAuthDomains__0=127.0.0.1
  start_service PublicInbox 5000 "$(dll PublicInbox)" \
    ConnectionStrings__Inbox="$(cs weixin_inbox inbox_svc "$INBOX_DB_PASSWORD")" \
    Inbox__PublicBaseUrl=http://127.0.0.1:5000 \
    Inbox__AllowedRedirectPrefixes__0=http://127.0.0.1:5300/ \
    Inbox__AllowedRedirectPrefixes__1=http://127.0.0.1:5400/ \
    Inbox__RetryLoginUrl=http://127.0.0.1:5300/login/weixin \
    Inbox__WeixinToken="$WEIXIN_TOKEN" \
    PollerSigning__Keys__0="$POLLER_SIGNING_KEY" \
    Admin__Users__0__Name=admin Admin__Users__0__PasswordHash="$INBOX_ADMIN_HASH"
  local poller_env=(
    ConnectionStrings__Gateway="$(cs weixin_gateway gateway_svc "$GATEWAY_DB_PASSWORD")"
    Poller__InboxBaseUrl=http://127.0.0.1:5000
    PollerSigning__Keys__0="$POLLER_SIGNING_KEY"
    GatewaySigning__Clients__0__Id=crm
    GatewaySigning__Clients__0__Keys__0="$GATEWAY_CLIENT_KEY"
    Weixin__AppId="$app_id" Weixin__AppSecret="$app_secret"
    Weixin__ApiBaseUrl=http://127.0.0.1:5080 Weixin__OpenBaseUrl=http://127.0.0.1:5080
    OAuth__CallbackUrl=http://127.0.0.1:5000/wx/oauth/callback
    OAuth__AllowedReturnPrefixes__0=http://127.0.0.1:5300/
    OAuth__DefaultErrorUrl=http://127.0.0.1:5300/login
    Weixin__Token="$WEIXIN_TOKEN" Weixin__EncodingAESKey="$WEIXIN_AES_KEY"
    Messages__LoginUrl=http://127.0.0.1:5300/login/weixin
    CrmHook__BaseUrl=http://127.0.0.1:5300
    CrmHook__SigningKeys__0="$CRM_HOOK_KEY"
    # ---- IdentityProvider (issue 16, helper idp): a second gateway client with its own key, and its return prefix ----
    GatewaySigning__Clients__1__Id=idp
    GatewaySigning__Clients__1__Keys__0="$IDP_GATEWAY_CLIENT_KEY"
    OAuth__AllowedReturnPrefixes__1=http://127.0.0.1:5400/
    # ---- end IdentityProvider ----
  )
  start_service IntranetPoller 5200 "$(dll IntranetPoller)" "${poller_env[@]}"
  local crm=0
  if [ -f "$(dll CrmApp)" ]; then
    start_service CrmApp 5300 "$(dll CrmApp)" \
      ConnectionStrings__Crm="$(cs crm crm_svc "$CRM_DB_PASSWORD")" \
      Gateway__BaseUrl=http://127.0.0.1:5200 \
      Gateway__ClientId=crm \
      Gateway__ClientKey="$GATEWAY_CLIENT_KEY" \
      Gateway__HookKeys__0="$CRM_HOOK_KEY" \
      Gateway__PublicBaseUrl=http://127.0.0.1:5300 \
      Notifications__ReminderPollInterval=00:00:05
    crm=1
  fi

  local i
  for i in 0 1 2; do wait_healthy "$i" || exit 1; done
  if [ "$crm" = 1 ] && ! wait_healthy 3; then
    say "!! CrmApp is not healthy; continuing without it (inbox, poller and simulator are up)." >&2
    kill "${PIDS[3]}" 2>/dev/null || true
    wait "${PIDS[3]}" 2>/dev/null || true
    unset 'NAMES[3]' 'PIDS[3]' 'PORTS[3]'
    crm=0
  fi

  # ---- IdentityProvider (issue 16, helper idp): the OpenID Connect provider on 5400 with the demo clients ----
  # sample (confidential, the sample app on 5500) and sample2 (public, the sample app's second instance on 5501).
  local idp=0 idp_index
  if [ -f "$(dll IdentityProvider)" ]; then
    start_service IdentityProvider 5400 "$(dll IdentityProvider)" \
      ConnectionStrings__Idp="$(cs weixin_idp idp_svc "$IDP_DB_PASSWORD")" \
      Oidc__Issuer=http://127.0.0.1:5400/ \
      Oidc__SubjectKey="$IDP_SUBJECT_KEY" \
      Gateway__BaseUrl=http://127.0.0.1:5200 \
      Gateway__ClientId=idp \
      Gateway__ClientKey="$IDP_GATEWAY_CLIENT_KEY" \
      Gateway__PublicBaseUrl=http://127.0.0.1:5400 \
      Oidc__Clients__0__Id=sample \
      Oidc__Clients__0__DisplayName=示例应用 \
      Oidc__Clients__0__Secret="$IDP_SAMPLE_CLIENT_SECRET" \
      Oidc__Clients__0__RedirectUris__0=http://127.0.0.1:5500/signin-oidc \
      Oidc__Clients__0__PostLogoutRedirectUris__0=http://127.0.0.1:5500/signout-callback-oidc \
      Oidc__Clients__1__Id=sample2 \
      Oidc__Clients__1__DisplayName=示例应用二 \
      Oidc__Clients__1__Public=true \
      Oidc__Clients__1__RedirectUris__0=http://127.0.0.1:5501/signin-oidc \
      Oidc__Clients__1__PostLogoutRedirectUris__0=http://127.0.0.1:5501/signout-callback-oidc
    for idp_index in "${!PIDS[@]}"; do :; done
    if wait_healthy "$idp_index"; then
      idp=1
    else
      say "!! IdentityProvider is not healthy; continuing without it." >&2
      kill "${PIDS[$idp_index]}" 2>/dev/null || true
      wait "${PIDS[$idp_index]}" 2>/dev/null || true
      unset "NAMES[$idp_index]" "PIDS[$idp_index]" "PORTS[$idp_index]"
    fi
  fi
  # ---- end IdentityProvider ----
  if [ "$idp" = 1 ]; then start_sample_apps; fi # idprp: the sample relying party, once the provider is healthy

  # The 公众号 menu (in the simulator): 「进入CRM」 → CRM /login/weixin, 「我的客户」 → the CRM hook.
  if env "${poller_env[@]}" timeout 60 dotnet "$(dll IntranetPoller)" menu create --crm-url http://127.0.0.1:5300 >"$LOG_DIR/IntranetPoller-menu.log" 2>&1; then
    say "公众号 menu created (「进入CRM」, 「我的客户」); see http://127.0.0.1:5080"
  else
    say "!! could not create the 公众号 menu; see .data/logs/IntranetPoller-menu.log" >&2
  fi

  say ""
  say "Weixin.Inbox demo is running:"
  say "  PublicInbox (public host)    http://127.0.0.1:5000   admin: http://127.0.0.1:5000/admin  (admin / ${INBOX_ADMIN_PASSWORD}, in .data/inbox-admin.env)"
  say "  WeixinSimulator (\"WeChat\")   http://127.0.0.1:5080"
  say "  IntranetPoller (gateway API) http://127.0.0.1:5200"
  if [ "$crm" = 1 ]; then
    say "  CrmApp                       http://127.0.0.1:5300"
    say ""
    say "微信登录只在微信的浏览器里有效（如同真实微信）：./run.sh phone 以微信手机浏览器打开 http://127.0.0.1:5300，"
    say "点击「微信登录」（模拟器里选一个测试用户，按「同意」）；或在浏览器中把 User-Agent 设为: $WEIXIN_PHONE_UA"
    say "新设备首次微信登录要确认：在 http://127.0.0.1:5080/sim/chat 以同一测试用户（安全模式）发送页面上显示的两位数字。"
    say "电脑上的普通浏览器打开 http://127.0.0.1:5300/login 显示「微信扫码登录」二维码：在 /sim/chat 选用户，点「扫一扫」（已填入屏幕上的二维码），再发送数字。"
    say "或用账号密码登录：admin / ${CRM_ADMIN_PASSWORD}（保存在 .data/crm-admin.env）"
    say "微信登录时「新建账号」的账号需管理员审核：用 admin 登录 →「用户管理」→「待审核」→ 打开账号 →「批准」。"
  else
    say "  CrmApp                       (not built yet: no $(dll CrmApp))"
    say ""
    say "Without CrmApp there is no page to start a login from (the gateway API is HMAC-signed);"
    say "the simulator's test users and pages are at http://127.0.0.1:5080, and ./run.sh test"
    say "drives the whole login flow end to end."
  fi
  # ---- IdentityProvider (issue 16, helper idp) ----
  if [ "$idp" = 1 ]; then
    say ""
    say "  IdentityProvider (OIDC)      http://127.0.0.1:5400   discovery: http://127.0.0.1:5400/.well-known/openid-configuration"
    say "    clients: sample (secret IDP_SAMPLE_CLIENT_SECRET in .data/secrets.env, http://127.0.0.1:5500/signin-oidc), sample2 (public, :5501)"
  fi
  # ---- end IdentityProvider ----
  print_sample_apps # idprp: after the IdentityProvider's lines
  say "Logs: .data/logs/<service>.log (text), .data/logs/<service>.json (structured, with CorrelationId)"
  say "Metrics: http://127.0.0.1:5000/metrics, :5200/metrics, :5300/metrics (Prometheus)"
  say "Ctrl-C stops the services; MariaDB keeps running (db/stop.sh)."

  # Run until Ctrl-C, or until one of the services dies (then stop the others too).
  local rc=0
  while :; do
    wait -n "${PIDS[@]}" && rc=0 || rc=$?
    for i in "${!PIDS[@]}"; do
      if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
        say "!! ${NAMES[$i]} exited (status $rc); last lines of .data/logs/${NAMES[$i]}.log:" >&2
        tail -n 20 "$LOG_DIR/${NAMES[$i]}.log" >&2 || true
        exit 1
      fi
    done
    sleep 0.2
  done
}

# ---------------------------------------------------------------- test
attr() { # $1 attribute name, $2 element text; prints 0 when absent
  local v
  v="$(sed -n "s/.*[[:space:]]$1=\"\([0-9][0-9]*\)\".*/\1/p" <<<"$2" | head -n 1)"
  printf '%s' "${v:-0}"
}

cmd_test() {
  local total_passed=0 total_failed=0 summary=() db_was_running=0
  finish() {
    if [ "$db_was_running" = 0 ] && [ "${WX_KEEP_DB:-0}" != 1 ]; then db/stop.sh >/dev/null 2>&1 || true; fi
    say ""
    say "==== test summary"
    local line
    for line in "${summary[@]}"; do say "  $line"; done
    say "$total_passed passed, $total_failed failed"
    if [ "$total_failed" -gt 0 ] || [ "$total_passed" -eq 0 ]; then exit 1; fi
    exit 0
  }
  setup_failed() { summary+=("setup: $1"); total_failed=$((total_failed + 1)); finish; }

  # Subshells: a failing step (wx_die exits) still ends with the summary line.
  ( wx_ensure_test_packages ) || setup_failed "installing OS packages failed"
  wx_db_ping && db_was_running=1
  # shellcheck source=db/secrets.sh
  . db/secrets.sh
  db/start.sh || setup_failed "db/start.sh failed (see .data/mariadb.log)"
  db/create.sh || setup_failed "db/create.sh failed"

  export WX_ADMIN_PASSWORD
  export WX_DB_ADMIN
  WX_DB_ADMIN="$(cs '' wx_admin "$WX_ADMIN_PASSWORD")"
  export WX_REPO_ROOT="$PWD"
  export WX_CHROMIUM=/usr/bin/chromium
  export WX_BUILD_CONFIGURATION="$CONFIGURATION"

  build || setup_failed "dotnet build failed"
  # Note: Production.Tests run the published services (the layout docs/DEPLOY.md copies to hosts), found through WX_DIST.
  ( cmd_publish ) || setup_failed "./run.sh publish failed"
  export WX_DIST="$PWD/dist"

  shopt -s nullglob
  local projects=(tests/*.Tests/*.csproj)
  shopt -u nullglob
  [ "${#projects[@]}" -gt 0 ] || setup_failed "no test projects found (tests/*.Tests/*.csproj)"

  local proj name dir trx rc counters passed failed
  for proj in "${projects[@]}"; do
    name="$(basename "$proj" .csproj)"
    dir="test-results/$name"
    trx="$dir/$name.trx"
    rm -rf "$dir"
    say ""
    say "==== $name"
    rc=0
    timeout --kill-after=30s "${WX_TEST_TIMEOUT:-45m}" \
      dotnet test "$proj" --no-build -c "$CONFIGURATION" \
        --logger "trx;LogFileName=$name.trx" --results-directory "$dir" || rc=$?
    if [ -f "$trx" ] && counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)" && [ -n "$counters" ]; then
      passed="$(attr passed "$counters")"
      failed=$(( $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters") ))
      if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1
        summary+=("$name: $passed passed, $failed failed (dotnet test exited $rc although no test failed)")
      else
        summary+=("$name: $passed passed, $failed failed")
      fi
    else
      passed=0; failed=1
      summary+=("$name: no results (dotnet test exited $rc without $trx), counted as 1 failed")
    fi
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
  done
  finish
}

# ---------------------------------------------------------------- db
cmd_db() {
  database
  say ""
  say "MariaDB: $WX_DB_HOST:$WX_DB_PORT (socket $WX_DB_SOCKET); passwords in .data/secrets.env"
  say "  admin:  mariadb -h$WX_DB_HOST -P$WX_DB_PORT -uwx_admin -p\"\$WX_ADMIN_PASSWORD\"   (after: . db/secrets.sh)"
  say "  root:   mariadb --socket=$WX_DB_SOCKET"
  say "  stop:   db/stop.sh"
}

# WeChat 8 on an iPhone: WeChat's authorize page (and the CRM's 「微信登录」) only work in a browser that says MicroMessenger.
WEIXIN_PHONE_UA='Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2f) NetType/WIFI Language/zh_CN'

cmd_phone() {
  local browser url="${1:-http://127.0.0.1:5300}"
  browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
  if [ -z "$browser" ]; then
    say "!! no Chromium or Chrome found. Open $url in a browser whose User-Agent contains MicroMessenger" >&2
    say "   (Chrome DevTools → ⋮ → More tools → Network conditions → User agent): $WEIXIN_PHONE_UA" >&2
    exit 1
  fi
  # Note: its own profile (.data/phone-profile), so the phone's cookies stay apart from the desktop browser's.
  exec "$browser" --user-data-dir="$WX_DATA/phone-profile" --user-agent="$WEIXIN_PHONE_UA" --window-size=390,844 --app="$url"
}

case "${1:-demo}" in
  demo) cmd_demo ;;
  phone) cmd_phone "${2:-}" ;;
  test) cmd_test ;;
  publish) cmd_publish ;;
  stop) cmd_stop ;;
  db) cmd_db ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
