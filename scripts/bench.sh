#!/usr/bin/env bash
# Benchmarks: EmailWorker end to end against this machine's broker and SMTP ceilings and the peers a user would pick
# instead (tuned and naive MassTransit consumers, Postfix), all in one run (a private RabbitMQ node, a private Postfix
# instance and the smtpsink program on loopback). Prints a table, the ratios against the targets, and one JSON line.
# Options are passed on: --runs N (default 3), --messages N (default 20000), --only group,group.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Debian's Postfix for the Postfix peer, here rather than in install-deps.sh: only the benchmarks need it. Installed with
# no configuration and its system service not started; the benchmark runs a private instance of its own.
if [ ! -x /usr/sbin/postfix ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  policy=/usr/sbin/policy-rc.d
  created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created_policy=1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postfix >/dev/null
  [ -n "$created_policy" ] && $sudo rm -f "$policy"
fi
dotnet build tests/EmailWorker.Benchmarks/EmailWorker.Benchmarks.csproj -c Release -v quiet -nologo >/dev/null
exec dotnet tests/EmailWorker.Benchmarks/bin/Release/net10.0/EmailWorker.Benchmarks.dll "$@"
