#!/usr/bin/env bash
# Runs every test: unit tests and integration tests against a real RabbitMQ node and a real SMTP server on loopback.
# Set RABBITMQ_URL to use an existing broker; otherwise the tests start a throwaway local node.
# Ends with the totals, taken from the test results: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# Every test also has its own [CancelAfter] timeout (3 min at most); the hang timeout is the backstop for a hang that no
# cancellation token reaches: after 5 minutes in one test the test host and its children are killed and the run fails.
# No dump: it would be gigabytes on a CI machine, and the trx names the test that hung.
dotnet test EmailWorker.sln -c Release --logger "trx" --results-directory "$results" \
  --blame-hang-timeout 5m --blame-hang-dump-type none "$@"
status=$?

# Sum the counters of every TRX file (one per test project).
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] }')
projects=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build failed or a test host crashed before reporting: count that as a failure, never as a pass.
  failed=1
fi
if [ "$projects" -lt 2 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: expected results from 2 test projects, got $projects" >&2
  failed=1
  status=1
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
