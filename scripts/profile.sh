#!/usr/bin/env bash
# profile.sh: where a training minibatch spends its time.
#
#   scripts/profile.sh                  # default (pure Go) build, H=512
#   TAGS=openblas scripts/profile.sh    # the OpenBLAS build
#   BENCH=MinibatchConcise scripts/profile.sh
#
# Runs the minibatch benchmark of package train under the CPU profiler and
# prints its tokens/s, the share of CPU samples spent in matrix products
# (graph.gemmBlock and everything under it, and gonum's BLAS goroutines)
# and the functions outside them that cost the most.
set -euo pipefail
cd "$(dirname "$0")/.."
TAGS=${TAGS:-}
BENCH=${BENCH:-MinibatchScratch}
N=${N:-40x}
OUT=${OUT:-$(mktemp -d /tmp/profile.XXXXXX)}

go test -tags "$TAGS" -c -o "$OUT/train.test" ./train/
"$OUT/train.test" -test.run xxx -test.bench "^Benchmark$BENCH\$" -test.benchtime "$N" \
	-test.cpuprofile "$OUT/cpu.prof" | tee "$OUT/bench.txt" | grep -E '^Benchmark'

prof() { go tool pprof -top -nodefraction=0 "$@" "$OUT/train.test" "$OUT/cpu.prof" 2>/dev/null; }
total=$(prof -nodecount=1 | sed -n 's/.*Total samples = \([0-9.]*m\?s\).*/\1/p')
matmul='graph\.gemmBlock|gonum/blas/gonum\.'
# With every node shown, the flat times of the samples that pass the focus
# add up to those samples' total.
inmm=$(prof -nodecount=1000000 -focus="$matmul" | sed -n 's/^Showing nodes accounting for [^,]*, \([0-9.]*\)% of.*/\1/p')
echo "BLAS: $(grep -o 'BLAS: .*' "$OUT/bench.txt" | head -1 | cut -d' ' -f2-)"
echo "CPU samples: $total; in matrix products: ${inmm}%; outside: $(awk "BEGIN {print 100 - $inmm}")%"
echo "costliest functions outside matrix products (flat, % of all samples):"
prof -nodecount=15 -ignore="$matmul" | awk '/flat%/ {p=1; next} p && NF {print "  " $0}'
echo "profile: $OUT/cpu.prof (go tool pprof $OUT/train.test $OUT/cpu.prof)"
