#!/usr/bin/env bash
# Cluster test: a throwaway 3-node RabbitMQ cluster from Debian's rabbitmq-server on this machine (own node names, ports
# and data under a temp folder; nothing of the system service is touched), the topology's quorum queues replicated on all
# three nodes, and three worker processes that each know all three endpoints.
#   1. Failover: 20,000 messages; once a quarter of them is delivered, kill -9 the node leading the work queue and one
#      worker. Every message must still be delivered: prints lost (must be 0) and duplicates (allowed: at-least-once).
#   2. Scale-out: throughput with 1, 2 and 3 workers behind a relay that answers every command after 20 ms.
#   3. A throttling relay shared by three workers (40 transactions/s, 6 connections at once; SES's 454 4.7.0 beyond):
#      each worker adapts on its own, with no coordination; prints the drain ÷ the relay's rate, the refusals, the dead
#      letters (must be 0) and lost (must be 0).
# Options: --messages N (default 20000), --scale-messages N (default 3000 per run; 0 skips the scale-out and the
# throttling run), --throttle-messages N (default 1200; 0 skips the throttling run). Exit 0 only when nothing was lost,
# nothing was dead-lettered behind the throttling relay, and every worker stopped on SIGTERM.
# Needs: the .NET SDK, rabbitmq-server and python3-pika (scripts/install-deps.sh installs the last two).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

messages=20000
scale_messages=3000
throttle_messages=1200
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages="$2"; shift 2 ;;
    --scale-messages) scale_messages="$2"; shift 2 ;;
    --throttle-messages) throttle_messages="$2"; shift 2 ;;
    *) echo "cluster-test: unknown argument '$1' (use --messages N, --scale-messages N, --throttle-messages N)" >&2; exit 2 ;;
  esac
done
[[ "$messages" =~ ^[1-9][0-9]{0,6}$ ]] || { echo "cluster-test: --messages takes a whole number from 1 to 9999999" >&2; exit 2; }
[[ "$scale_messages" =~ ^(0|[1-9][0-9]{0,6})$ ]] || { echo "cluster-test: --scale-messages takes a whole number from 0 to 9999999" >&2; exit 2; }
[[ "$throttle_messages" =~ ^(0|[1-9][0-9]{0,6})$ ]] || { echo "cluster-test: --throttle-messages takes a whole number from 0 to 9999999" >&2; exit 2; }

scripts/install-deps.sh
dotnet build src/EmailWorker/EmailWorker.csproj -c Release -v quiet -nologo >/dev/null
dotnet build src/EmailWorker.SmtpSink/EmailWorker.SmtpSink.csproj -c Release -v quiet -nologo >/dev/null
worker_dll="$repo/src/EmailWorker/bin/Release/net10.0/emailworker.dll"
sink_dll="$repo/src/EmailWorker.SmtpSink/bin/Release/net10.0/smtpsink.dll"

work=$(mktemp -d /tmp/emailworker-cluster-XXXXXX)
tag="ct$$"
declare -a node_names amqp_ports worker_pids
sink_pid=""

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
log() { printf '[cluster-test %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

node_env() { # node_env I: the environment of node I's server
  local i=$1 dir="$work/n$1"
  echo "RABBITMQ_NODENAME=${node_names[$i]} RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=${amqp_ports[$i]}" \
    "RABBITMQ_DIST_PORT=$(cat "$dir/dist_port") RABBITMQ_MNESIA_BASE=$dir/mnesia RABBITMQ_LOG_BASE=$dir/log" \
    "RABBITMQ_ENABLED_PLUGINS_FILE=$dir/enabled_plugins RABBITMQ_PLUGINS_EXPAND_DIR=$dir/plugins-expand" \
    "RABBITMQ_CONFIG_FILE=$dir/rabbitmq RABBITMQ_ADVANCED_CONFIG_FILE=$dir/advanced.config RABBITMQ_PID_FILE=$dir/rabbitmq.pid"
}
ctl() { local i=$1; shift; /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "${node_names[$i]}" "$@"; }

start_node() {
  local i=$1 dir="$work/n$1"
  env $(node_env "$i") /usr/lib/rabbitmq/bin/rabbitmq-server >"$dir/server.out" 2>&1 &
  echo $! >"$dir/server.pid"
}

wait_node() {
  local i=$1 deadline=$((SECONDS + 90))
  until ctl "$i" await_startup >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { echo "cluster-test: node ${node_names[$i]} did not start; see $work/n$i/log" >&2; exit 1; }
    sleep 1
  done
}

cleanup() {
  set +e
  for pid in "${worker_pids[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; done
  [ -n "$sink_pid" ] && kill -TERM "$sink_pid" 2>/dev/null
  for i in 1 2 3; do
    [ -n "${node_names[$i]:-}" ] || continue
    ctl "$i" stop >/dev/null 2>&1 || true
    pid=$(cat "$work/n$i/beam.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  # CLUSTER_TEST_KEEP=1 keeps the logs (nodes, workers, receipts) for a look after a failure.
  if [ "${CLUSTER_TEST_KEEP:-}" = 1 ]; then echo "cluster-test: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- the cluster -------------------------------------------------------------------------------------------------
log "starting 3 RabbitMQ nodes in $work"
for i in 1 2 3; do
  mkdir -p "$work/n$i"
  node_names[$i]="emailworker-$tag-$i@localhost"
  amqp_ports[$i]=$(free_port)
  free_port >"$work/n$i/dist_port"
  echo "[]." >"$work/n$i/enabled_plugins"
  : >"$work/n$i/rabbitmq.conf"
  start_node "$i"
done
for i in 1 2 3; do
  wait_node "$i"
  ctl "$i" eval 'list_to_integer(os:getpid()).' >"$work/n$i/beam.pid"
done
for i in 2 3; do
  ctl "$i" stop_app >/dev/null
  ctl "$i" join_cluster "${node_names[1]}" >/dev/null
  ctl "$i" start_app >/dev/null
done
ctl 1 cluster_status --formatter json | python3 -c '
import json, sys
running = json.load(sys.stdin)["running_nodes"]
assert len(running) == 3, running
print("[cluster-test] cluster running on", ", ".join(sorted(running)))'

endpoints_from() { # endpoints_from I: all three endpoints, starting with node I (spreads the workers over the nodes)
  local i=$1 list=""
  for k in 0 1 2; do
    n=$(( (i - 1 + k) % 3 + 1 ))
    list="$list${list:+,}127.0.0.1:${amqp_ports[$n]}"
  done
  echo "$list"
}

export EMAILWORKER__RABBITMQ__USERNAME=guest EMAILWORKER__RABBITMQ__PASSWORD=guest EMAILWORKER__RABBITMQ__MANAGEMENTPORT=0
export EMAILWORKER__DELIVERY__DEFAULTFROM=noreply@example.com EMAILWORKER__SMTP__HOST=127.0.0.1
EMAILWORKER__RABBITMQ__ENDPOINTS=$(endpoints_from 1) dotnet "$worker_dll" topology apply >/dev/null
ctl 1 list_queues name type members --formatter json | python3 -c '
import json, sys
queues = json.load(sys.stdin)
assert queues, "no queues declared"
for q in queues:
    assert q["type"] == "quorum" and len(q["members"]) == 3, q
print("[cluster-test] %d quorum queues, each with members on all 3 nodes" % len(queues))'

# --- helpers: producer, sink, workers ----------------------------------------------------------------------------
cat >"$work/publish.py" <<'PY'
# publish.py PORT PREFIX COUNT: persistent plain-JSON SendEmail bodies, mandatory, with publisher confirms tracked
# asynchronously (a confirm per publish, awaited one by one, is too slow on a replicated queue); exits 1 on any nack/return.
import json, sys, pika
port, prefix, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pending, state = set(range(1, count + 1)), {"floor": 1, "failed": 0}

def on_confirm(frame):
    tag, multiple = frame.method.delivery_tag, frame.method.multiple
    if isinstance(frame.method, pika.spec.Basic.Nack):
        state["failed"] += 1
    tags = range(state["floor"], tag + 1) if multiple else [tag]
    for t in tags:
        pending.discard(t)
    if multiple:
        state["floor"] = tag + 1
    if not pending:
        connection.close()

def on_return(channel, method, properties, body):
    state["failed"] += 1

def on_channel(channel):
    channel.add_on_return_callback(on_return)
    channel.confirm_delivery(on_confirm)
    properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    for i in range(count):
        body = {"messageId": f"{prefix}-{i}", "to": [{"address": f"{prefix}-{i}@example.org"}], "subject": "cluster test", "text": "hi"}
        channel.basic_publish("email.send", "", json.dumps(body).encode(), properties, mandatory=True)

connection = pika.SelectConnection(pika.ConnectionParameters("127.0.0.1", port),
    on_open_callback=lambda c: c.channel(on_open_callback=on_channel),
    on_open_error_callback=lambda c, e: (print(f"publish.py: {e}", file=sys.stderr), c.ioloop.stop()),
    on_close_callback=lambda c, r: c.ioloop.stop())
connection.ioloop.start()
if pending or state["failed"]:
    print(f"publish.py: {len(pending)} unconfirmed, {state['failed']} refused", file=sys.stderr)
    sys.exit(1)
PY

publish() { # publish NODE PREFIX COUNT
  /usr/bin/python3 "$work/publish.py" "${amqp_ports[$1]}" "$2" "$3"
}

start_sink() { # start_sink DELAY_MS RECEIPTS [sink options...]
  sink_port=$(free_port)
  local delay=$1 receipts=$2; shift 2
  dotnet "$sink_dll" --port "$sink_port" --discard --receipts "$receipts" --reply-delay-ms "$delay" "$@" >"$work/sink.out" 2>&1 &
  sink_pid=$!
  until grep -q listening "$work/sink.out" 2>/dev/null; do sleep 0.2; done
}
stop_sink() { kill -TERM "$sink_pid"; wait "$sink_pid" 2>/dev/null || true; sink_pid=""; }

start_worker() { # start_worker SLOT FIRST_NODE [extra env...]
  local slot=$1 first=$2; shift 2
  # Each worker its own health and metrics listener: on one host they would all take the default :9464, and a worker
  # whose listener cannot bind exits 1 (before it consumes). The store (and its delivered ledger) is this run's, shared
  # by the workers as on one host: the default ./data would keep an earlier run's ledger, whose "fo-N delivered" rows
  # would (rightly) stop this run's fo-N from being sent.
  env EMAILWORKER__RABBITMQ__ENDPOINTS="$(endpoints_from "$first")" EMAILWORKER__SMTP__PORT="$sink_port" \
    EMAILWORKER__DEADLETTERS__DATADIRECTORY="$work/data" \
    EMAILWORKER__OBSERVABILITY__URLS="http://127.0.0.1:$(free_port)" "$@" \
    dotnet "$worker_dll" run >"$work/worker-$phase-$slot.log" 2>&1 &
  worker_pids[$slot]=$!
}
stop_workers() {
  for slot in "${!worker_pids[@]}"; do kill -TERM "${worker_pids[$slot]}" 2>/dev/null || true; done
  for slot in "${!worker_pids[@]}"; do wait "${worker_pids[$slot]}" 2>/dev/null || true; done
  worker_pids=()
}

# Receipts are "<unix ms> <recipient>"; a sink with limits also logs "<unix ms> !rate …" and "!refusals …" lines there.
receipts_count() { if [ -f "$1" ]; then grep -vc ' !' "$1" || true; else echo 0; fi; }
unique_count() { if [ -f "$1" ]; then { grep -v ' !' "$1" || true; } | cut -d' ' -f2 | sort -u | wc -l; else echo 0; fi; }
wait_depth() { # wait_depth NODE COUNT: the work queue holds COUNT messages
  local deadline=$((SECONDS + 60))
  until [ "$(queue_depth "$1")" = "$2" ]; do
    [ $SECONDS -lt $deadline ] || { echo "cluster-test: the work queue does not hold the $2 published messages" >&2; exit 1; }
    sleep 0.5
  done
}
wait_consuming() { # wait_consuming N: workers 1..N have started consuming
  local deadline=$((SECONDS + 60))
  for slot in $(seq 1 "$1"); do
    until grep -q "Worker consuming" "$work/worker-$phase-$slot.log" 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { echo "cluster-test: worker $slot did not start; see its log" >&2; cat "$work/worker-$phase-$slot.log" >&2; exit 1; }
      sleep 0.2
    done
  done
}
consuming_port() { # consuming_port PID NODE...: the server port of worker PID's consuming connection as the nodes list it (empty if none)
  local pid=$1 node port; shift
  for node in "$@"; do
    port=$(ctl "$node" list_connections name client_properties --formatter json | python3 -c '
import json, sys
tag = "/%s (consume)" % sys.argv[1]
print(next((c["name"].rsplit(":", 1)[1] for c in json.load(sys.stdin) if tag in json.dumps(c["client_properties"])), ""))' "$pid")
    if [ -n "$port" ]; then echo "$port"; return; fi
  done
}
leader_of_work_queue() { # asked on node I
  ctl "$1" list_queues name leader --formatter json | python3 -c 'import json,sys; print([q["leader"] for q in json.load(sys.stdin) if q["name"]=="email.send"][0])'
}
dead_depth() { # messages in the dead-letter queue, asked on node I
  ctl "$1" list_queues name messages --formatter json |
    python3 -c 'import json,sys; print(sum(q["messages"] for q in json.load(sys.stdin) if q["name"]=="email.dead"))'
}
queue_depth() { # ready + unacked of the work queue, asked on node I
  ctl "$1" list_queues name messages_ready messages_unacknowledged --formatter json |
    python3 -c 'import json,sys; print(sum(q["messages_ready"]+q["messages_unacknowledged"] for q in json.load(sys.stdin) if q["name"]=="email.send"))'
}

# --- 1. failover -------------------------------------------------------------------------------------------------
phase=failover
receipts="$work/failover.receipts"
# A short run (CI's 1,000) drains in about a second on loopback, before the kill at a quarter could land: its relay
# answers after 50 ms, so the kill comes while the workers are busy.
start_sink "$(( messages <= 5000 ? 50 : 0 ))" "$receipts"
log "publishing $messages messages"
publish 2 fo "$messages"
wait_depth 2 "$messages"
leader=$(leader_of_work_queue 2)
for i in 1 2 3; do [ "${node_names[$i]}" = "$leader" ] && killed=$i; done
# Worker N connects to node N first. The killed worker is not the one on the leader, so that one must fail over.
victim=$(( killed % 3 + 1 ))
for slot in 1 2 3; do start_worker "$slot" "$slot"; done
kill_at=$((messages / 4))
deadline=$((SECONDS + 120))
until [ "$(receipts_count "$receipts")" -ge "$kill_at" ]; do
  [ $SECONDS -lt $deadline ] || { echo "cluster-test: fewer than $kill_at deliveries in 120 s" >&2; exit 1; }
  sleep 0.1
done
# The broker's word on where worker $killed (its first endpoint is the node about to die) consumes: there, now.
port_before=$(consuming_port "${worker_pids[$killed]}" 1 2 3)
kill -9 "$(cat "$work/n$killed/beam.pid")"
kill -9 "${worker_pids[$victim]}"
wait "${worker_pids[$victim]}" 2>/dev/null || true
unset "worker_pids[$victim]"
log "after $(receipts_count "$receipts") deliveries: kill -9 of the work queue's leader $leader and of worker $victim"
survivor=$(( killed % 3 + 1 ))
deadline=$((SECONDS + 300))
until [ "$(unique_count "$receipts")" -ge "$messages" ] && [ "$(queue_depth "$survivor")" = 0 ]; do
  [ $SECONDS -lt $deadline ] || break
  sleep 1
done
# ... and on which node it consumes once its connection recovered: a node further down its RabbitMq:Endpoints.
port_after=""
deadline=$((SECONDS + 60))
until [ -n "$port_after" ] || [ $SECONDS -ge $deadline ]; do
  port_after=$(consuming_port "${worker_pids[$killed]}" "$survivor" $(( survivor % 3 + 1 )))
  [ -n "$port_after" ] || sleep 1
done
sleep 1 # the sink flushes its receipts every 200 ms
delivered=$(unique_count "$receipts")
total=$(receipts_count "$receipts")
lost=$((messages - delivered))
new_leader=$(leader_of_work_queue "$survivor")
failovers=$(cat "$work"/worker-failover-*.log | grep -c "failed over from" || true)
# What the surviving workers logged about their connections (the timestamps cut off, so repeats collapse).
grep -h "RabbitMQ connection" "$work"/worker-failover-*.log | cut -c15- | sort | uniq -c || true
stop_workers
stop_sink
echo "failover: messages $messages, delivered $delivered, lost $lost, duplicates $((total - delivered)); work queue leader $leader -> $new_leader; worker connections failed over: $failovers"
echo "failover: worker $killed consumed through port ${port_before:-none} (the killed node's: ${amqp_ports[$killed]}) before the kill, through port ${port_after:-none} after"
if [ "$port_before" != "${amqp_ports[$killed]}" ] || [ -z "$port_after" ] || [ "$port_after" = "${amqp_ports[$killed]}" ]; then
  echo "cluster-test: FAILED, worker $killed did not move its consuming connection from the killed node to another of its endpoints" >&2
  exit 1
fi

# --- 2. scale-out behind a 20 ms relay ---------------------------------------------------------------------------
if [ "$scale_messages" -eq 0 ]; then
  # The short form CI runs (tests/EmailWorker.IntegrationTests/Deployment/When_the_cluster_test_runs.cs): failover only.
  [ "$lost" -eq 0 ] || { echo "cluster-test: FAILED, $lost message(s) lost" >&2; exit 1; }
  echo "scale-out: skipped (--scale-messages 0)"
  echo "cluster-test: passed"
  exit 0
fi
# The killed node comes back first, so every run has the full cluster.
start_node "$killed"
wait_node "$killed"
ctl "$killed" eval 'list_to_integer(os:getpid()).' >"$work/n$killed/beam.pid"
declare -a rates
for workers in 1 2 3; do
  phase="scale$workers"
  receipts="$work/scale-$workers.receipts"
  start_sink 20 "$receipts"
  for slot in $(seq 1 "$workers"); do
    start_worker "$slot" "$slot" EMAILWORKER__SMTP__POOLSIZE=16 EMAILWORKER__DELIVERY__CONCURRENCYLIMIT=16 EMAILWORKER__DELIVERY__PREFETCHCOUNT=64
  done
  # Every worker consumes before the messages arrive, so the rate is that of all of them together.
  wait_consuming "$workers"
  publish 2 "s$workers" "$scale_messages"
  deadline=$((SECONDS + 300))
  until [ "$(unique_count "$receipts")" -ge "$scale_messages" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster-test: scale run with $workers worker(s) did not finish in 300 s: $(unique_count "$receipts") of $scale_messages delivered, work queue $(queue_depth 2)" >&2
      tail -n 5 "$work"/worker-"$phase"-*.log >&2
      exit 1
    fi
    sleep 0.5
  done
  sleep 0.5
  stop_workers
  stop_sink
  # From the first to the last message at the sink: the workers' start-up is in neither.
  rates[$workers]=$(sort -n "$receipts" | awk 'NR==1{first=$1} {last=$1; n++} END{printf "%.0f", (n-1)*1000/(last-first)}')
  log "$workers worker(s): ${rates[$workers]} msgs/s"
done
echo "scale-out (20 ms relay, pool 16 per worker, $scale_messages messages per run): 1 worker ${rates[1]} msgs/s, 2 workers ${rates[2]} msgs/s, 3 workers ${rates[3]} msgs/s"

# --- 3. three workers sharing a throttling relay ----------------------------------------------------------------------
dead=0
if [ "$throttle_messages" -gt 0 ]; then
  phase="throttle"
  relay_rate=40
  relay_connections=6
  receipts="$work/throttle.receipts"
  start_sink 0 "$receipts" --rate "$relay_rate" --max-connections "$relay_connections"
  # As shipped (pool 4, concurrency 8, adaptive on: 12 connections wanted against 6 allowed) but for short retries, so a
  # message that did spend a retry comes back within the run instead of hours later.
  for slot in 1 2 3; do
    start_worker "$slot" "$slot" EMAILWORKER__RETRY__SCHEDULE=1s,2s,3s EMAILWORKER__DEADLETTERS__INGEST=false
  done
  wait_consuming 3
  publish 1 throttle "$throttle_messages"
  deadline=$((SECONDS + 600))
  until [ $(( $(unique_count "$receipts") + $(dead_depth 1) )) -ge "$throttle_messages" ]; do
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster-test: the throttling run did not settle in 600 s: $(unique_count "$receipts") of $throttle_messages delivered" >&2
      exit 1
    fi
    sleep 0.5
  done
  sleep 0.5
  stop_workers
  stop_sink
  dead=$(dead_depth 1)
  throttled_delivered=$(unique_count "$receipts")
  throttled_rate=$(grep -v ' !' "$receipts" | sort -n | awk 'NR==1{first=$1} {last=$1; n++} END{printf "%.1f", (n-1)*1000/(last-first)}')
  refusals=$(grep -o "refused [0-9]* transactions over the rate and [0-9]* connections" "$work/sink.out" || echo "refusals unknown")
  echo "throttling relay ($relay_rate/s, $relay_connections connections) shared by 3 workers as shipped: $throttled_delivered of $throttle_messages delivered," \
    "$throttled_rate msgs/s = $(awk -v r="$throttled_rate" -v R="$relay_rate" 'BEGIN{printf "%.2f", r/R}') of the relay's rate; $refusals;" \
    "copies beyond the first $(( $(receipts_count "$receipts") - throttled_delivered )); dead letters $dead"
fi
[ "$lost" -eq 0 ] || { echo "cluster-test: FAILED, $lost message(s) lost" >&2; exit 1; }
[ "$dead" -eq 0 ] || { echo "cluster-test: FAILED, $dead message(s) dead-lettered behind the throttling relay" >&2; exit 1; }
echo "cluster-test: passed"
