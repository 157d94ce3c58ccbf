#!/usr/bin/env bash
# bench-vs-torch.sh: this repository's default build (no tags) against the
# PyTorch reference at its best setting on this machine, the book's RNN,
# GRU and LSTM side by side, back to back.
#
#   scripts/bench-vs-torch.sh                  # 10 epochs per run, 3 rounds
#   EPOCHS=20 ROUNDS=5 scripts/bench-vs-torch.sh
#   MODELS="rnn" scripts/bench-vs-torch.sh     # only the book's RNN
#
# First it finds PyTorch's best setting for each model: Debian's OpenBLAS
# 0.3.21 picks its kernel from the CPU it recognises and falls back to a
# slow generic one on CPUs it does not know, so each model runs briefly
# with OpenBLAS's own choice and with OPENBLAS_CORETYPE forced to the
# kernels this CPU can run (SkylakeX with AVX-512, Haswell with AVX2), on
# one and on two threads; the fastest is kept (OPENBLAS_VERBOSE=2 shows the
# kernel). Then each round runs PyTorch and ours for each model, one after
# the other, and prints the median tokens/sec of each run (over its epochs,
# as both programs report it), their ratio and each process's peak RSS.
# The machine may be shared: compare ratios within a round, and repeat.
#
# Models: rnn = the book's scratch RNN, H=512 (--impl scratch; ours -model
# rnn -hiddens 512); gru, lstm = nn.GRU / nn.LSTM, H=256 (--impl gru|lstm;
# ours -model gru|lstm -hiddens 256). Batch 32, 35 steps, sequential
# sampling, the book's learning rates, in both.
#
# Needs: Debian package python3-torch (run with /usr/bin/python3); Go.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-${UNROLL_TIMEMACHINE:-../shared/data/timemachine.txt}}
TORCH=${TORCH:-../shared/peers/d2l_rnn_torch.py}
EPOCHS=${EPOCHS:-10}
ROUNDS=${ROUNDS:-3}
PROBE_EPOCHS=${PROBE_EPOCHS:-4}
MODELS=${MODELS:-rnn gru lstm}
OUT=${OUT:-$(mktemp -d /tmp/bench-vs-torch.XXXXXX)}
BIN="$OUT/train"

[ -f "$DATA" ] || { echo "bench-vs-torch.sh: no corpus at $DATA: set DATA=PATH to The Time Machine" >&2; exit 1; }
[ -f "$TORCH" ] || { echo "bench-vs-torch.sh: no PyTorch reference at $TORCH: set TORCH=PATH" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || { echo "bench-vs-torch.sh: /usr/bin/python3 has no torch: apt-get install python3-torch" >&2; exit 1; }
go build -o "$BIN" ./cmd/train

impl() { case $1 in rnn) echo scratch ;; *) echo "$1" ;; esac; }
hiddens() { case $1 in rnn) echo 512 ;; *) echo 256 ;; esac; }

# run NAME CMD...: runs CMD under /usr/bin/time, keeps its output in
# $OUT/NAME.log and prints "median_tokens_per_sec peak_rss_mb".
run() {
	local name=$1; shift
	/usr/bin/time -f 'maxrss_kb %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.log" 2>&1 || { echo "bench-vs-torch.sh: $name failed, see $OUT/$name.log" >&2; exit 1; }
	local med rss
	med=$(grep -Eo 'median (tokens/sec )?[0-9.]+' "$OUT/$name.log" | grep -Eo '[0-9.]+$')
	rss=$(awk '/maxrss_kb/ {printf "%.0f", $2/1024}' "$OUT/$name.time")
	echo "$med $rss"
}

torch_cmd() { # MODEL CORETYPE THREADS EPOCHS (CORETYPE auto: OpenBLAS's own choice)
	local env=(env OPENBLAS_NUM_THREADS="$3")
	if [ "$2" != auto ]; then env+=(OPENBLAS_CORETYPE="$2"); fi
	echo "${env[@]}" /usr/bin/python3 "$TORCH" --data "$DATA" --epochs "$4" --seed 0 --threads "$3" --impl "$(impl "$1")"
}

cores="auto"
if grep -qw avx2 /proc/cpuinfo; then cores="$cores Haswell"; fi
if grep -qw avx512f /proc/cpuinfo; then cores="$cores SkylakeX"; fi

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "epochs per run: $EPOCHS; logs in $OUT"
declare -A best
for m in $MODELS; do
	top=0
	for c in $cores; do
		for th in 1 2; do
			read -r med _ < <(run "probe-$m-$c-$th" $(torch_cmd "$m" "$c" "$th" "$PROBE_EPOCHS"))
			printf 'probe  %-5s OPENBLAS_CORETYPE=%-9s threads %d  %9.0f tokens/s\n' "$m" "$c" "$th" "$med"
			if awk "BEGIN {exit !($med > $top)}"; then top=$med; best[$m]="$c|$th"; fi
		done
	done
	IFS='|' read -r c th <<<"${best[$m]}"
	echo "probe  $m: PyTorch at its best here with OPENBLAS_CORETYPE=$c, $th thread(s)"
done
kernel() { # what OpenBLAS runs with OPENBLAS_CORETYPE=$1
	local env=(env OPENBLAS_VERBOSE=2)
	if [ "$1" != auto ]; then env+=(OPENBLAS_CORETYPE="$1"); fi
	"${env[@]}" /usr/bin/python3 -c 'import torch; (torch.ones(64, 64) @ torch.ones(64, 64)).sum()' 2>&1 | grep -Eo 'Core: [A-Za-z0-9]+' | head -1 || true
}
for c in $cores; do echo "OPENBLAS_CORETYPE=$c: $(kernel "$c")"; done

printf '%-6s %-6s %12s %12s %7s %9s %9s\n' round model "ours tok/s" "torch tok/s" ratio "ours MB" "torch MB"
for r in $(seq 1 "$ROUNDS"); do
	for m in $MODELS; do
		IFS='|' read -r c th <<<"${best[$m]}"
		read -r t trss < <(run "r$r-torch-$m" $(torch_cmd "$m" "$c" "$th" "$EPOCHS"))
		read -r o orss < <(run "r$r-ours-$m" "$BIN" -data "$DATA" -epochs "$EPOCHS" -seed 0 -predict-every 0 -model "$m" -hiddens "$(hiddens "$m")")
		printf '%-6s %-6s %12.0f %12.0f %7.2f %9s %9s\n' "$r" "$m" "$o" "$t" "$(awk "BEGIN {print $o / $t}")" "$orss" "$trss"
	done
done
