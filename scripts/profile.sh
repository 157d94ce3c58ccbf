#!/usr/bin/env bash
# profile.sh: where a training minibatch spends its time.
#
#   scripts/profile.sh                  # default build (our kernels), H=512
#   BENCH=MinibatchConcise scripts/profile.sh
#
# Runs the minibatch benchmark of package train under the CPU profiler and
# prints its tokens/s and the Go functions outside matrix products that
# take the most CPU time (with their share of all samples).
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=${BENCH:-MinibatchScratch}
N=${N:-40x}
OUT=${OUT:-$(mktemp -d /tmp/profile.XXXXXX)}

go test -c -o "$OUT/train.test" ./train/
"$OUT/train.test" -test.run xxx -test.bench "^Benchmark$BENCH\$" -test.benchtime "$N" \
	-test.cpuprofile "$OUT/cpu.prof" >"$OUT/bench.txt"
line=$(grep -E "^Benchmark$BENCH" "$OUT/bench.txt")
echo "$line"
echo "BLAS: $(grep -o 'BLAS: .*' "$OUT/bench.txt" | head -1 | cut -d' ' -f2-)"
metric() { echo "$line" | awk -v m="$1" '{for (i = 2; i <= NF; i++) if ($i == m) print $(i-1)}'; }
echo "wall time per minibatch: $(awk "BEGIN {printf \"%.1f\", $(metric ns/op) / 1e6}") ms, $(metric tokens/s) tokens/s"
# Samples in matrix products: this project's kernels (internal/kernels)
# and gonum's.
matmul='unroll/internal/kernels\.|gonum/blas/gonum\.'
echo "costliest Go functions outside matrix products (flat CPU time, % of all samples):"
go tool pprof -top -nodefraction=0 -nodecount=15 -ignore="$matmul" "$OUT/train.test" "$OUT/cpu.prof" 2>/dev/null |
	awk '/flat%/ {p=1; next} p && NF {print "  " $0}'
echo "profile: $OUT/cpu.prof (go tool pprof $OUT/train.test $OUT/cpu.prof)"
