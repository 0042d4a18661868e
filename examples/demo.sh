#!/usr/bin/env bash
# The README demo, on the example data in this folder only; outputs go to out/ (ignored by git).
#  1. the whole pipeline: fetch (a local copy of a Hub dataset) → chat schema → encoding repair →
#     exact dedup → near-dup clusters → leak-proof split → curriculum phase → checksummed shards;
#  2. dedup-exact showcases: decontamination against an eval set, an index reused, sort -u.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf out/dataset out/stats
mkdir -p out/stats

echo "== 1. pipeline: hf-fetch | to-chatml | normalize-encoding | dedup-exact | dedup-near | split-holdout | curriculum-route | manifest"
{ hf-fetch examples/hf-fetch-gsm8k --split train --stats out/stats/hf-fetch.json; cat examples/chat.ndjson; } \
  | to-chatml --stats out/stats/to-chatml.json \
  | normalize-encoding --stats out/stats/normalize-encoding.json \
  | dedup-exact --stats out/stats/dedup-exact.json \
  | dedup-near --mark --stats out/stats/dedup-near.json \
  | split-holdout --group-by meta.cluster --ratios train=0.8,val=0.1,test=0.1 --stats out/stats/split-holdout.json \
  | curriculum-route --config examples/demo-curriculum.yaml --stats out/stats/curriculum-route.json \
  > out/routed.ndjson
# The tool chain goes into the manifest from each tool's --stats file (written when it finished).
stats_from=()
for t in hf-fetch to-chatml normalize-encoding dedup-exact dedup-near split-holdout curriculum-route; do
  stats_from+=(--stats-from "out/stats/$t.json")
done
manifest build --out-dir out/dataset "${stats_from[@]}" out/routed.ndjson
manifest verify out/dataset
echo "   shards and manifest in out/dataset/ (manifest verify passed)"

echo "== 2. decontaminate a training mix against GSM8K test (another shape on each side)"
dedup-exact --fields extra_info.question --against examples/gsm8k-test-sample.ndjson --against-fields question \
  --dups out/contaminated.ndjson examples/gsm8k-nested-mix.ndjson > out/gsm8k-clean.ndjson
echo "   first contaminated row matched: $(head -1 out/contaminated.ndjson | jq -r .meta.dup_of 2>/dev/null || head -c 200 out/contaminated.ndjson)"

echo "== 3. exact dedup with a saved index; the same chat file again then drops everything"
dedup-exact --dups out/chat.dups.ndjson --save-index out/chat.idx examples/chat.ndjson > out/chat.unique.ndjson
echo "   kept $(wc -l < out/chat.unique.ndjson) rows -> out/chat.unique.ndjson; dropped $(wc -l < out/chat.dups.ndjson) -> out/chat.dups.ndjson"
dedup-exact --index out/chat.idx examples/chat.ndjson | wc -l | sed 's/^/   rows written: /'

echo "== 4. order-preserving sort -u on raw lines, into head"
dedup-exact --fields line --quiet examples/chat.ndjson | head -2 | cut -c1-100
echo "demo done: outputs in out/"
