#!/usr/bin/env bash
# The README demo, on the example data in examples/ only (no network):
#  1. the three pipelines our users run, each a Makefile run with make -j2 (examples/<name>/,
#     outputs in examples/<name>/out/, the tools' own stderr lines in examples/<name>/out/make.log):
#     stage1-mix (an SFT mix), final-dataset (the canonical artifact), pretrain-dedup (web text);
#  2. dedup-exact showcases (outputs in out/): decontamination against an eval set, an index
#     reused, an order-preserving sort -u.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
command -v make > /dev/null || { echo "demo: needs make (apt-get install make)" >&2; exit 1; }
command -v jq > /dev/null || { echo "demo: needs jq (apt-get install jq)" >&2; exit 1; }

n=0
for p in stage1-mix final-dataset pretrain-dedup; do
  n=$((n + 1))
  echo "== 1.$n $p: make -C examples/$p -j2"
  make -s -C "examples/$p" clean
  mkdir -p "examples/$p/out"
  if ! make -s -C "examples/$p" -j2 > /dev/null 2> "examples/$p/out/make.log.tmp"; then
    cat "examples/$p/out/make.log.tmp" >&2
    rm -f "examples/$p/out/make.log.tmp"
    echo "demo: the $p pipeline failed (above: the messages of its tools)" >&2
    exit 1
  fi
  mv "examples/$p/out/make.log.tmp" "examples/$p/out/make.log"
  grep ': warning: ' "examples/$p/out/make.log" | sed 's/^/   /' || true
  sed 's/^/   /' "examples/$p/out/summary.txt"
done

rm -rf out/dataset out/stats
mkdir -p out
echo "== 2. decontaminate a training mix against GSM8K test (another shape on each side)"
dedup-exact --fields extra_info.question --against examples/gsm8k-test-sample.ndjson --against-fields question \
  --dups out/contaminated.ndjson examples/gsm8k-nested-mix.ndjson > out/gsm8k-clean.ndjson
echo "   first contaminated row matched: $(head -1 out/contaminated.ndjson | jq -r .meta.dup_of)"

echo "== 3. exact dedup with a saved index; the same chat file again then drops everything"
dedup-exact --dups out/chat.dups.ndjson --save-index out/chat.idx examples/chat.ndjson > out/chat.unique.ndjson
echo "   kept $(wc -l < out/chat.unique.ndjson) rows -> out/chat.unique.ndjson; dropped $(wc -l < out/chat.dups.ndjson) -> out/chat.dups.ndjson"
dedup-exact --index out/chat.idx examples/chat.ndjson | wc -l | sed 's/^/   rows written: /'

echo "== 4. order-preserving sort -u on raw lines, into head"
dedup-exact --fields line --quiet examples/chat.ndjson | head -2 | cut -c1-100
echo "demo done: pipeline outputs in examples/{stage1-mix,final-dataset,pretrain-dedup}/out/, the rest in out/"
