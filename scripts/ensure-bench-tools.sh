#!/usr/bin/env bash
# Installs what the benchmarks drive the services with: wrk (Debian's package). Idempotent; apt-get only when missing.
set -euo pipefail
. "$(dirname "$0")/../db/common.sh"
command -v wrk >/dev/null 2>&1 || wx_apt_install wrk
wrk --version 2>&1 | head -1 || true
