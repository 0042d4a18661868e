#!/usr/bin/env bash
# The README demo: deduplicate a chat file and decontaminate a training mix against an eval set,
# using only the example data in this folder. Outputs go to out/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p out

echo "== 1. exact dedup of a chat file (examples/chat.ndjson)"
dedup-exact --dups out/chat.dups.ndjson --stats out/chat.stats.json --save-index out/chat.idx \
  examples/chat.ndjson > out/chat.unique.ndjson
echo "   kept $(wc -l < out/chat.unique.ndjson) rows -> out/chat.unique.ndjson; dropped $(wc -l < out/chat.dups.ndjson) -> out/chat.dups.ndjson"

echo "== 2. decontaminate a training mix against GSM8K test (another shape on each side)"
dedup-exact --key extra_info.question --against examples/gsm8k-test-sample.ndjson --against-key question \
  --dups out/contaminated.ndjson examples/gsm8k-nested-mix.ndjson > out/gsm8k-clean.ndjson
echo "   first contaminated row matched: $(head -1 out/contaminated.ndjson | jq -r .meta.dup_of 2>/dev/null || head -c 200 out/contaminated.ndjson)"

echo "== 3. new data against the saved index: the same chat file again drops everything"
dedup-exact --index out/chat.idx examples/chat.ndjson | wc -l | sed 's/^/   rows written: /'

echo "== 4. order-preserving sort -u on raw lines, into head"
dedup-exact --key line --quiet examples/chat.ndjson | head -2 | cut -c1-100
echo "demo done: outputs in out/"
