#!/usr/bin/env bash
# Installs what the worker's tests and quick start need on a fresh Debian machine that already has the .NET SDK:
# Debian's rabbitmq-server (the tests and the demo start private nodes of it; the system service is not started),
# Debian's postgresql (the dead-letter store tests start private clusters of it; the system service is not started),
# python3-pika (the demo's producer and the Python example), systemd-analyze (checks the systemd unit), Debian's chromium
# (the dashboard's browser tests drive it through Playwright: Playwright's own browser download is not reachable) and the
# Node.js example's npm packages.
# Does nothing when they are already there.
set -euo pipefail

cd "$(dirname "$0")/.."

# The Node.js producer example (run by the tests) needs its locked npm packages; Node.js itself comes with the machine.
if [ ! -d src/Examples/node/node_modules ]; then
  command -v npm >/dev/null || { echo "install-deps: npm is needed for the Node.js example (install Node.js 18 or newer)" >&2; exit 1; }
  (cd src/Examples/node && npm ci --no-audit --no-fund --silent)
fi

missing=()
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
/usr/bin/python3 -c 'import pika' 2>/dev/null || missing+=(python3-pika)
# systemd-analyze verifies deploy/systemd/emailworker.service (the test skips, saying so, without it).
command -v systemd-analyze >/dev/null || missing+=(systemd)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to apt-get install ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
# policy-rc.d keeps apt from starting the system RabbitMQ and PostgreSQL services: the tests and demo run their own.
policy=/usr/sbin/policy-rc.d
created_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created_policy=1
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
[ -n "$created_policy" ] && $sudo rm -f "$policy"
exit 0
