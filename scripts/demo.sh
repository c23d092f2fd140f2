#!/usr/bin/env bash
# Quick start: runs the worker end to end on local defaults (appsettings.json). Uses the RabbitMQ on localhost:5672 when
# one answers, otherwise starts a private node; starts an SMTP sink on localhost:2525 that writes .eml files to
# .demo/outbox; publishes the sample messages in deploy/samples as plain JSON; shows them delivered; stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo="$root/.demo"
outbox="$demo/outbox"
samples=(deploy/samples/*.json)
pids=()
rabbit_pid=""

cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "$rabbit_pid" ]; then
    env $rabbit_env /usr/lib/rabbitmq/bin/rabbitmqctl -n "$node" stop >/dev/null 2>&1 || kill -TERM "$rabbit_pid" 2>/dev/null || true
    wait "$rabbit_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

scripts/install-deps.sh
echo "demo: building"
dotnet build src/EmailWorker/EmailWorker.csproj -c Release -v quiet -nologo >/dev/null
dotnet build src/EmailWorker.SmtpSink/EmailWorker.SmtpSink.csproj -c Release -v quiet -nologo >/dev/null
rm -rf "$outbox" && mkdir -p "$outbox"

if port_open 5672; then
  echo "demo: using the RabbitMQ already listening on localhost:5672"
else
  echo "demo: starting a private RabbitMQ node on localhost:5672 (data in .demo/rabbit)"
  node="emailworker-demo@localhost"
  mkdir -p "$demo/rabbit" && echo '[].' > "$demo/rabbit/enabled_plugins"
  rabbit_env="RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 RABBITMQ_DIST_PORT=25699
    RABBITMQ_MNESIA_BASE=$demo/rabbit/mnesia RABBITMQ_LOG_BASE=$demo/rabbit/log RABBITMQ_CONFIG_FILE=$demo/rabbit/rabbitmq
    RABBITMQ_ENABLED_PLUGINS_FILE=$demo/rabbit/enabled_plugins RABBITMQ_PLUGINS_EXPAND_DIR=$demo/rabbit/plugins"
  env $rabbit_env /usr/lib/rabbitmq/bin/rabbitmq-server > "$demo/rabbit/server.log" 2>&1 &
  rabbit_pid=$!
  for _ in $(seq 1 120); do port_open 5672 && break; sleep 0.5; done
  port_open 5672 || { echo "demo: RabbitMQ did not start; see $demo/rabbit/server.log" >&2; exit 1; }
fi

dotnet src/EmailWorker.SmtpSink/bin/Release/net10.0/smtpsink.dll --port 2525 --outbox "$outbox" &
pids+=($!)
EMAILWORKER__DEADLETTERS__DATADIRECTORY="$demo/data" dotnet src/EmailWorker/bin/Release/net10.0/emailworker.dll run &
pids+=($!)
for _ in $(seq 1 60); do port_open 2525 && break; sleep 0.5; done

/usr/bin/python3 scripts/publish-samples.py 127.0.0.1 5672 email.send "${samples[@]}"
for _ in $(seq 1 120); do
  [ "$(find "$outbox" -name '*.eml' | wc -l)" -ge "${#samples[@]}" ] && break
  sleep 0.5
done

delivered=$(find "$outbox" -name '*.eml' | wc -l)
echo
echo "demo: $delivered of ${#samples[@]} sample messages delivered to $outbox:"
for file in "$outbox"/*.eml; do
  [ -e "$file" ] || continue
  echo "--- $(basename "$file")"
  grep -E '^(From|To|Cc|Subject|Message-Id|X-Campaign):' "$file" || true
done
[ "$delivered" -ge "${#samples[@]}" ]
