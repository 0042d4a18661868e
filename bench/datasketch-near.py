"""datasketch's near-dedup the way its users run it, for bench/dedup-near.mjs (issue 17): the same
documents, in the same run, as dedup-near. Not part of the product; datasketch is the unmodified
reference copy in ../shared/reference (see its README), run with Debian's python3.

    PYTHONPATH=../shared/reference/datasketch /usr/bin/python3 bench/datasketch-near.py DOCS.ndjson BANDS ROWS [THRESHOLD] > out.json

Per document (`{"text": ...}` rows): lower-cased \\w+ words, word 5-grams joined by one space
(UTF-8), MinHash(num_perm=BANDS*ROWS rounded up to 128) updated with them, then query the
MinHashLSH index (threshold, num_perm and the same bands x rows as dedup-near through `params`)
and insert; the connected components of the candidate pairs are the clusters (as
shared/reference/pipeline_glue.py does: no verification), and every row but the first of its
cluster is a duplicate. Prints JSON: documents, seconds spent after the imports (reading included),
and the 0-based indices of the duplicate rows.
"""
import json
import re
import sys
import time

t0 = time.perf_counter()
from datasketch import MinHash, MinHashLSH  # noqa: E402

path, bands, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
threshold = float(sys.argv[4]) if len(sys.argv) > 4 else 0.8
num_perm = max(128, bands * rows)
t_import = time.perf_counter() - t0

t1 = time.perf_counter()
lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, params=(bands, rows))
parent = []


def find(i):
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


word = re.compile(r'\w+')
with open(path, encoding='utf-8') as f:
    for i, line in enumerate(f):
        text = json.loads(line)['text']
        w = word.findall(text.lower())
        m = MinHash(num_perm=num_perm)
        m.update_batch([' '.join(w[j:j + 5]).encode() for j in range(max(1, len(w) - 4))])
        parent.append(i)
        for j in lsh.query(m):
            a, b = find(i), find(j)
            if a != b:
                parent[max(a, b)] = min(a, b)
        lsh.insert(i, m)
dups = [i for i in range(len(parent)) if find(i) != i]
secs = time.perf_counter() - t1
json.dump({'documents': len(parent), 'seconds': secs, 'import_seconds': t_import, 'num_perm': num_perm, 'duplicates': dups}, sys.stdout)
