#!/usr/bin/env bash
# bench-vs-torch.sh: the book's RNN, this repository (-tags openblas)
# against the PyTorch reproduction, back to back on this machine.
#
#   scripts/bench-vs-torch.sh                 # 20 epochs per run, 1 round
#   EPOCHS=30 ROUNDS=3 scripts/bench-vs-torch.sh
#   FULL=1 scripts/bench-vs-torch.sh          # 500-epoch runs: perplexity, max RSS
#   STEPS=1 scripts/bench-vs-torch.sh         # ours at -steps 35 and 140
#   PUREGO=0 scripts/bench-vs-torch.sh        # leave out the pure-Go row
#
# Each round runs PyTorch scratch, ours scratch (H=512), PyTorch concise
# (nn.RNN, H=256), ours H=256, then ours in the default pure-Go build at
# H=512, one after the other, and prints the median
# tokens/sec of each run (over its epochs, as the PyTorch script reports
# it), their ratio and each process's max RSS. The machine may be shared:
# compare ratios within a round, and repeat.
#
# Needs: Debian packages libopenblas-dev, python3-torch; Go. PyTorch runs
# with OPENBLAS_NUM_THREADS=1, its fastest setting on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."

DATA=${DATA:-/work/shared/data/timemachine.txt}
TORCH=${TORCH:-/work/shared/peers/d2l_rnn_torch.py}
EPOCHS=${EPOCHS:-20}
ROUNDS=${ROUNDS:-1}
SEED=${SEED:-0}
if [ "${FULL:-0}" = 1 ]; then EPOCHS=500; fi
OUT=${OUT:-$(mktemp -d /tmp/bench-vs-torch.XXXXXX)}
BIN="$OUT/train-openblas"
GOBIN_="$OUT/train-purego"

go build -tags openblas -o "$BIN" ./cmd/train
go build -o "$GOBIN_" ./cmd/train

# run NAME CMD...: runs CMD under /usr/bin/time, keeps its output in
# $OUT/NAME.log and prints "median rss_mb final_perplexity".
run() {
	local name=$1; shift
	/usr/bin/time -f 'maxrss_kb %M' -o "$OUT/$name.time" "$@" >"$OUT/$name.log" 2>&1
	local med ppl rss
	med=$(grep -Eo 'median (tokens/sec )?[0-9.]+' "$OUT/$name.log" | grep -Eo '[0-9.]+$')
	ppl=$(grep -E '^epoch' "$OUT/$name.log" | tail -1 | awk '{print $4}')
	rss=$(awk '/maxrss_kb/ {printf "%.0f", $2/1024}' "$OUT/$name.time")
	echo "$med $rss $ppl"
}

TORCH_CMD=(env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$TORCH" --data "$DATA" --epochs "$EPOCHS" --seed "$SEED")
OURS_CMD=("$BIN" -data "$DATA" -epochs "$EPOCHS" -seed "$SEED" -predict-every 0)

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "epochs per run: $EPOCHS; logs in $OUT"
printf '%-6s %-28s %12s %12s %7s %9s %9s %9s\n' round config "ours tok/s" "torch tok/s" ratio "ours MB" "torch MB" "ours ppl/torch ppl"
for r in $(seq 1 "$ROUNDS"); do
	read -r ts tsrss tsppl < <(run "r$r-torch-scratch" "${TORCH_CMD[@]}" --impl scratch)
	read -r os orss oppl < <(run "r$r-ours-scratch" "${OURS_CMD[@]}" -hiddens 512)
	printf '%-6s %-28s %12.0f %12.0f %7.2f %9s %9s %9s\n' "$r" "scratch H=512" "$os" "$ts" "$(awk "BEGIN {print $os / $ts}")" "$orss" "$tsrss" "$oppl/$tsppl"
	read -r tc trss tppl < <(run "r$r-torch-concise" "${TORCH_CMD[@]}" --impl concise)
	read -r oc orss oppl < <(run "r$r-ours-h256" "${OURS_CMD[@]}" -hiddens 256)
	printf '%-6s %-28s %12.0f %12.0f %7.2f %9s %9s %9s\n' "$r" "H=256 (torch: nn.RNN)" "$oc" "$tc" "$(awk "BEGIN {print $oc / $tc}")" "$orss" "$trss" "$oppl/$tppl"
	if [ "${PUREGO:-1}" = 1 ]; then
		read -r og orss oppl < <(run "r$r-purego-scratch" "$GOBIN_" -data "$DATA" -epochs "$EPOCHS" -seed "$SEED" -predict-every 0 -hiddens 512)
		printf '%-6s %-28s %12.0f %12.0f %7.2f %9s %9s %9s\n' "$r" "scratch H=512, pure Go" "$og" "$ts" "$(awk "BEGIN {print $og / $ts}")" "$orss" "$tsrss" "$oppl/$tsppl"
	fi
done

if [ "${STEPS:-0}" = 1 ]; then
	echo
	echo "unroll length (ours, scratch config):"
	for s in 35 140; do
		read -r m rss ppl < <(run "ours-steps$s" "${OURS_CMD[@]}" -hiddens 512 -steps "$s")
		g=$(grep -E '^graph:' "$OUT/ours-steps$s.log" | cut -d';' -f1)
		printf '  -steps %-4s %10.0f tokens/s   %s\n' "$s" "$m" "$g"
		eval "steps$s=$m"
	done
	echo "  tokens/s at -steps 140 / at -steps 35: $(awk "BEGIN {printf \"%.3f\", $steps140 / $steps35}")"
fi
