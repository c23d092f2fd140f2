#!/usr/bin/env bash
# Runs every test: unit tests and integration tests against a real RabbitMQ node and a real SMTP server on loopback.
# Set RABBITMQ_URL to use an existing broker; otherwise the tests start a throwaway local node.
# Ends with the totals, taken from the test results: "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
# Every test also has its own [CancelAfter] timeout (1 min for unit tests, 3 min for most integration tests, 5 min at
# most: see README); the hang timeout is the backstop for a hang that no cancellation token reaches: after 7 minutes in
# one test the test host and its children are killed and the run fails.
# No dump: it would be gigabytes on a CI machine, and the trx names the test that hung.
# Built once, then every test project runs at the same time: the integration tests spend most of their time waiting on
# brokers, relays and timeouts, so the unit and store tests run beside them instead of after them (dotnet test on the
# solution ran the projects one after another here: about 2.5 minutes more).
status=0
if ! dotnet build EmailWorker.sln -c Release -nologo -v minimal; then
  status=1
else
  pids=()
  for project in tests/*Tests; do
    dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$(basename "$project").trx" --results-directory "$results" \
      --blame-hang-timeout 7m --blame-hang-dump-type none "$@" &
    pids+=("$!")
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || status=1
  done
fi

# Sum the counters of every TRX file (one per test project).
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | grep -o '<Counters [^>]*' | awk '
    { for (i = 1; i <= NF; i++) { split($i, kv, "="); gsub(/"/, "", kv[2]); c[kv[1]] += kv[2] } }
    END { printf "%d %d %d\n", c["passed"], c["failed"] + c["error"] + c["timeout"] + c["aborted"], c["notExecuted"] + c["inconclusive"] }')
projects=$(ls "$results"/*.trx 2>/dev/null | wc -l)
# Every project under tests/ whose name ends in "Tests" is a test project (tests/Directory.Build.props): each must report.
expected=$(ls -d tests/*Tests 2>/dev/null | wc -l)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The build failed or a test host crashed before reporting: count that as a failure, never as a pass.
  failed=1
fi
if [ "$projects" -lt "$expected" ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: expected results from $expected test projects, got $projects" >&2
  failed=1
  status=1
fi
# A skipped (ignored or inconclusive) test is named with its reason, so a skip is never silent.
if [ "$skipped" -gt 0 ]; then
  cat "$results"/*.trx 2>/dev/null | tr -d '\r' | awk '
    /<UnitTestResult / && (/outcome="NotExecuted"/ || /outcome="Inconclusive"/) { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
    want && /<Message>/ { msg = $0; sub(/.*<Message>/, "", msg); sub(/<\/Message>.*/, "", msg); printf "skipped: %s: %s\n", name, msg; want = 0 }
    want && /<\/UnitTestResult>/ { printf "skipped: %s\n", name; want = 0 }' >&2
fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$status"
