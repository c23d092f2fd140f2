#!/usr/bin/env bash
# Publishes emailworker as one self-contained executable (no .NET runtime needed on the target) with its appsettings.json
# beside it, into dist/<rid>/. Usage: scripts/publish.sh [RID] (default linux-x64; e.g. linux-arm64, linux-musl-x64).
# Also makes the .NET tool package (dist/nupkg/EmailWorker.Cli.*.nupkg): dotnet tool install -g --add-source dist/nupkg EmailWorker.Cli
set -euo pipefail
cd "$(dirname "$0")/.."

rid="${1:-linux-x64}"
out="dist/$rid"
rm -rf "$out"
# No ReadyToRun and no trimming: precompiled code drained ~20% slower (docs/design.md), and trimming breaks
# configuration binding by reflection.
dotnet publish src/EmailWorker/EmailWorker.csproj -c Release -r "$rid" --self-contained true \
  -p:PublishSingleFile=true -p:DebugType=none -p:GenerateDocumentationFile=false -o "$out"
dotnet pack src/EmailWorker/EmailWorker.csproj -c Release -o dist/nupkg
echo "publish: $out/emailworker ($(du -h "$out/emailworker" | cut -f1)) with $out/appsettings.json; tool package in dist/nupkg"
