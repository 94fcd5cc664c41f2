#!/usr/bin/env bash
# Runs one test project against the local MariaDB the way ./run.sh test does, for work in progress:
#   scripts/dev-test.sh tests/IntranetPoller.Tests [--filter Name~Outbox] [other dotnet test args]
# Builds the project (and what it references); whole-system tests start the services' dlls from their bin/Debug,
# so build those first when you changed them (dotnet build Weixin.Inbox.sln).
set -euo pipefail
cd "$(dirname "$0")/.."
db/start.sh >/dev/null
db/create.sh >/dev/null
# shellcheck source=/dev/null
. db/secrets.sh
export WX_DB_ADMIN="Server=127.0.0.1;Port=3307;User ID=wx_admin;Password=$WX_ADMIN_PASSWORD"
export WX_REPO_ROOT="$PWD" WX_CHROMIUM=/usr/bin/chromium WX_BUILD_CONFIGURATION=Debug
project="$1"; shift
exec dotnet test "$project" -nologo "$@"
