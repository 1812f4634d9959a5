#!/usr/bin/env bash
# The whole test suite, from a fresh machine that has only the .NET SDK: installs what the tests need
# when it is missing (Chromium for the browser tests, PostgreSQL 15 for the PostgreSQL lane, qpdf to check
# generated PDFs), checks formatting, runs every test project, then the integration tests a second time on PostgreSQL, and ends
# with the line "N passed, N failed[, N skipped]" computed from the test results of both runs.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || missing+=(fonts-liberation)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# No build servers: a compiler or MSBuild server outlives the build that started it and keeps that build's
# output pipes open, so whatever reads them to the end waits for the server to time out, or forever.
export UseSharedCompilation=false MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0
# A test that hangs has its test host stopped after this long, so the rest of the run goes on; the summary below
# counts such an aborted run as a failure (the hung test itself is not in the counters).
hang=(--blame-hang-timeout 15m --blame-hang-dump-type none)
dotnet tool restore
dotnet build ConnectidMail.sln
dotnet format ConnectidMail.sln --verify-no-changes --no-restore
bash tests/check-vulnerable-packages.sh

results=TestResults
rm -rf "$results"
set +e
dotnet test ConnectidMail.sln --no-build "${hang[@]}" --logger trx --results-directory "$results"
status=$?
# The PostgreSQL lane: the same integration tests, each portal on a database of its own on a throwaway
# PostgreSQL server that the tests start and remove (tests/ConnectidMail.Testing/PostgresTestServer.cs).
CONNECTIDMAIL_TEST_DATABASE=Postgres dotnet test tests/ConnectidMail.IntegrationTests --no-build "${hang[@]}" --logger trx --results-directory "$results/postgres-lane"
postgres_status=$?
[ "$status" -ne 0 ] || status=$postgres_status
set -e

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx "$results"/postgres-lane/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
  if [ -z "$counters" ]; then
    # A test host that crashed leaves results without counters: that is a failure, not a pass.
    echo "No counters in $trx." >&2
    failed=$((failed + 1))
    continue
  fi
  value() { local n; n=$(echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"); echo "${n:-0}"; }
  if grep -q '<RunInfo [^>]*outcome="Error"' "$trx"; then
    # A test host stopped by the hang timeout or crashed: its run is cut short, whatever the counters say.
    echo "A test run in $trx was aborted (a test hung or the test host crashed)." >&2
    failed=$((failed + 1))
  fi
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  # xunit reports a skipped test as not executed without counting it in notExecuted.
  skipped=$((skipped + $(value total) - $(value executed)))
done
if [ "$files" -eq 0 ] && [ "$status" -eq 0 ]; then
  echo "No test results were written." >&2
  status=1
fi
[ "$failed" -eq 0 ] || [ "$status" -ne 0 ] || status=1

summary="$passed passed, $failed failed"
[ "$skipped" -eq 0 ] || summary="$summary, $skipped skipped"
echo "$summary"
exit "$status"
