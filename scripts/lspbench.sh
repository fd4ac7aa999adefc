#!/usr/bin/env bash
# `flowctl lsp` side by side with yaml-language-server 1.25 (the peer Flow
# users had), with the shared harness ../shared/tools/lsp-bench/lspbench.py,
# on the estuary/docs corpus and on a generated 1,000-collection catalog, at
# the positions the peer's figures were taken (run-peer.sh in that folder);
# then the docs conformance expectations (--check) against both servers.
#
#   scripts/lspbench.sh [OUTDIR]      (default: flowctl-lspbench in $TMPDIR)
#
# Environment:
#   FLOWCTL    our binary (default target/release/flowctl; built when missing)
#   PEER_DIR   where yaml-language-server is installed (default lspbench-peer
#              in $TMPDIR), installed with
#                mkdir -p "$PEER_DIR" && cd "$PEER_DIR" && npm install yaml-language-server@1.25.0
#   SERVERS    both (default), ours or yls
#   RUNS       fresh-process runs per scenario (default 3; tables show medians)
#   SCENARIOS  lspbench --scenarios (default: all)
#   LSPBENCH   the harness folder (default ../shared/tools/lsp-bench)
#   DOCS       the estuary/docs corpus (default ../shared/corpus/estuary-docs)
# Tables go to stdout and OUTDIR/*.txt, raw JSON to OUTDIR/*.json, server
# stderr to OUTDIR/logs.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
TMP_BASE="${TMPDIR:-$(dirname "$(mktemp -u)")}"
TMP_BASE="${TMP_BASE%/}"
OUT="${1:-$TMP_BASE/flowctl-lspbench}"
BENCH="${LSPBENCH:-$REPO/../shared/tools/lsp-bench}"
DOCS="${DOCS:-$REPO/../shared/corpus/estuary-docs}"
PEER_DIR="${PEER_DIR:-$TMP_BASE/lspbench-peer}"
PEER="$PEER_DIR/node_modules/yaml-language-server/bin/yaml-language-server"
FLOWCTL="${FLOWCTL:-$REPO/target/release/flowctl}"
SERVERS="${SERVERS:-both}"
RUNS="${RUNS:-3}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BENCH="$(cd "$BENCH" && pwd)"
DOCS="$(cd "$DOCS" && pwd)"

# The docs corpus names one schema by its published URL; serve it from the
# corpus, offline, as `flowctl lint` is run on it (cli.md).
DOCS_PREFIX="https://raw.githubusercontent.com/estuary/docs/developer-docs/"
cat >"$OUT/flowctl-settings.json" <<JSON
{"flowctl": {"offline": true, "mapUrl": ["$DOCS_PREFIX=$DOCS/"]}}
JSON

SERVER_ARGS=()
if [ "$SERVERS" != yls ]; then
  if [ ! -x "$FLOWCTL" ]; then
    echo "lspbench.sh: building $FLOWCTL (cargo build --release -p cli)" >&2
    (cd "$REPO" && cargo build --release -p cli >&2)
  fi
  SERVER_ARGS+=(--server "ours=env FLOW_MAP_URL=$DOCS_PREFIX=$DOCS/ $FLOWCTL lsp"
    --settings "ours=$OUT/flowctl-settings.json" --init-options "ours=$OUT/flowctl-settings.json")
fi
if [ "$SERVERS" != ours ]; then
  if [ ! -f "$PEER" ]; then
    echo "lspbench.sh: no yaml-language-server at $PEER (see the install line at the top)" >&2
    exit 1
  fi
  SERVER_ARGS+=(--server "yls=node $PEER --stdio" --settings "yls=$BENCH/yaml-settings.json")
fi
COMMON=("${SERVER_ARGS[@]}" --runs "$RUNS" --log-dir "$OUT/logs" --open-all-accept-prior)
if [ -n "${SCENARIOS:-}" ]; then
  COMMON+=(--scenarios "$SCENARIOS")
fi

# gen-1000: the catalog and seed of the peer's figures, generated afresh.
GEN1000="$OUT/catalogs/gen-1000"
rm -rf "$GEN1000"
python3 "$BENCH/gen_catalog.py" --out "$GEN1000" --collections 1000 --files 200 --seed 1 >/dev/null

# Its positions, from its manifest (the ones run-peer.sh uses).
mapfile -t POS1000 < <(python3 - "$GEN1000/catalog-manifest.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["positions"]
for opt, key in [("--edit", "edit_collection_name"), ("--completion", "completion_transform_key"),
                 ("--completion", "completion_reduce_strategy"), ("--completion", "completion_source_name"),
                 ("--hover", "hover_shuffle"), ("--hover", "hover_key"),
                 ("--definition", "definition_source_name"), ("--definition", "definition_alias")]:
    if key in p:
        print(opt)
        print(p[key])
PY
)
echo "gen-1000 positions: ${POS1000[*]}"

status=0
F=examples/shopping/carts.flow.yaml
echo "== estuary/docs"
python3 "$BENCH/lspbench.py" --root "$DOCS" "${COMMON[@]}" \
  --edit $F:28 \
  --completion $F:29:11 --completion $F:18:35 --completion $F:28:19 \
  --hover $F:29:11 --hover $F:8:5 \
  --definition examples/citi-bike/idle-bikes.test.flow.yaml:16:23 \
  --out "$OUT/docs.json" --table-out "$OUT/docs.txt" || status=1

echo "== gen-1000"
python3 "$BENCH/lspbench.py" --root "$GEN1000" "${COMMON[@]}" "${POS1000[@]}" \
  --out "$OUT/gen1000.json" --table-out "$OUT/gen1000.txt" || status=1

echo "== docs conformance (--check examples/docs-expectations.yaml)"
python3 "$BENCH/lspbench.py" --root "$DOCS" "${SERVER_ARGS[@]}" \
  --check "$BENCH/examples/docs-expectations.yaml" \
  --out "$OUT/check-docs.json" --table-out "$OUT/check-docs.txt" || status=1

echo "results in $OUT"
exit "$status"
