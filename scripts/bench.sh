#!/usr/bin/env bash
# Benchmarks: EmailWorker end to end against this machine's broker and SMTP ceilings and a naive MassTransit baseline,
# all in one run (a private RabbitMQ node and the smtpsink program on loopback). Prints a table and one JSON line.
# Options are passed on: --runs N (default 3), --messages N (default 20000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
dotnet build tests/EmailWorker.Benchmarks/EmailWorker.Benchmarks.csproj -c Release -v quiet -nologo >/dev/null
exec dotnet tests/EmailWorker.Benchmarks/bin/Release/net10.0/EmailWorker.Benchmarks.dll "$@"
