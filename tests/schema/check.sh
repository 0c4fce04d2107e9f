#!/usr/bin/env bash
# The schema test (ctest schema_validation): generates every example, and a hostile SLA file,
# in both formats with the orderwatch binary under test, then validates every Kubernetes
# object against the prometheus-operator and Kubernetes schemas and every dashboard against
# Grafana's schema (validate-*.mjs). Each validator first shows it refuses broken input.
# Usage: check.sh ORDERWATCH_BIN SOURCE_DIR OUT_DIR
set -euo pipefail
bin=$1 src=$2 out=$3
here="$src/tests/schema"
if ! command -v node >/dev/null; then
  echo "schema test: node is not installed; run scripts/install-deps (nodejs, npm)" >&2
  exit 1
fi
if [ ! -d "$here/node_modules/@kubernetes-models/prometheus-operator" ] ||
  [ ! -d "$here/node_modules/@grafana/schema" ] || [ ! -d "$here/node_modules/typescript" ]; then
  echo "schema test: $here/node_modules is missing or incomplete; run: npm ci --prefix tests/schema" >&2
  exit 1
fi
rm -rf "$out"
mkdir -p "$out"
for sla in "$src"/examples/*.yaml "$src"/tests/generate/configs/*.yaml "$here"/fixtures/*.yaml; do
  name=$(basename "$sla" .yaml)
  "$bin" generate --config "$sla" --out "$out/$name" >/dev/null
  "$bin" generate --config "$sla" --out "$out/$name" --format prometheus-operator \
    --namespace orderwatch-test >/dev/null
done
shopt -s nullglob
objects=("$out"/*/kubernetes/*.yaml)
dashboards=("$out"/*/grafana/dashboards/*.json)
[ ${#objects[@]} -ge 15 ] || { echo "schema test: only ${#objects[@]} object files" >&2; exit 1; }
[ ${#dashboards[@]} -ge 3 ] || { echo "schema test: only ${#dashboards[@]} dashboards" >&2; exit 1; }
failed=0
node "$here/validate-kubernetes.mjs" --self-test || failed=$((failed + 1))
node "$here/validate-kubernetes.mjs" "${objects[@]}" || failed=$((failed + 1))
node "$here/validate-grafana.mjs" --self-test "${dashboards[0]}" || failed=$((failed + 1))
node "$here/validate-grafana.mjs" "${dashboards[@]}" || failed=$((failed + 1))
echo "schema: $((4 - failed)) passed, $failed failed"
[ $failed -eq 0 ]
