# shellcheck shell=bash
# Shared paths and helpers for the db/*.sh scripts and run.sh. Source it, do not run it.
# Works when sourced from any cwd: everything is derived from this file's location.

WX_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WX_DATA="$WX_REPO/.data"
WX_DB_DATADIR="$WX_DATA/mariadb"
WX_DB_SOCKET="$WX_DATA/mariadb.sock"
WX_DB_PIDFILE="$WX_DATA/mariadb.pid"
WX_DB_LOG="$WX_DATA/mariadb.log"
WX_DB_HOST=127.0.0.1
WX_DB_PORT=3307
# Debian puts mariadbd in /usr/sbin, which a non-login PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin" ;; esac

wx_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
wx_die() { wx_log "ERROR: $*"; exit 1; }

# Root talks to the private instance through its unix socket (unix_socket auth as OS root).
# --no-defaults: never read /etc/mysql (that configures the system instance, not ours).
wx_db_root() { mariadb --no-defaults --protocol=socket --socket="$WX_DB_SOCKET" -uroot "$@"; }
wx_db_ping() { mariadb-admin --no-defaults --protocol=socket --socket="$WX_DB_SOCKET" -uroot --connect-timeout=2 ping >/dev/null 2>&1; }

# apt-get install only what is missing; apt-get update at most once per process.
WX_APT_UPDATED="${WX_APT_UPDATED:-0}"
wx_apt_install() {
  [ "$#" -gt 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || wx_die "missing packages ($*) and no apt-get to install them"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || wx_die "need root (or sudo) to install: $*"
    sudo="sudo"
  fi
  # Installing mariadb-server must not start the system MariaDB service (we run a private
  # instance on 3307): a policy-rc.d answering 101 forbids service starts during the install.
  local added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  local rc=0
  if [ "$WX_APT_UPDATED" != 1 ]; then
    wx_log "apt-get update"
    $sudo apt-get update -qq || rc=$?
    WX_APT_UPDATED=1; export WX_APT_UPDATED
  fi
  if [ "$rc" -eq 0 ]; then
    wx_log "installing: $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" || rc=$?
  fi
  if [ "$added_policy" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  [ "$rc" -eq 0 ] || wx_die "apt-get failed ($rc) installing: $*"
}

wx_ensure_mariadb() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  wx_apt_install "${missing[@]}"
}

wx_ensure_test_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v mariadb >/dev/null 2>&1 || missing+=(mariadb-client)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ -e /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  { command -v fc-list >/dev/null 2>&1 && fc-list | grep -qi 'Noto Sans CJK'; } || missing+=(fonts-noto-cjk)
  # The production topology test (tests/Production.Tests) runs Debian's nginx as a plain child process with its own
  # prefix; the system nginx service is never started (wx_apt_install's policy-rc.d forbids it during the install);
  # envsubst (gettext-base) renders deploy/nginx/*.template as the docs do; openssl is only for inspecting the test's throwaway certificates.
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  command -v envsubst >/dev/null 2>&1 || missing+=(gettext-base)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  wx_apt_install "${missing[@]}"
}
