#!/usr/bin/env bash
# castnet vs ONNX Runtime on the same ONNX files, same machine, alternating runs.
#   bench/compare.sh [MODELS...]      (default: resnet50 mobilenetv2 dwsep_block bottleneck)
# Env: THREADS="1 2", BATCHES="1 8", ROUNDS=3 (alternations; medians of each engine's medians),
#      ITERS=20. Needs `make bench` (castnet built with benchmarks, onnxruntime-node installed).
set -euo pipefail
cd "$(dirname "$0")/.."
CASTNET=${CASTNET:-build/castnet}
THREADS=${THREADS:-"1 2"}
BATCHES=${BATCHES:-"1 8"}
ROUNDS=${ROUNDS:-3}
ITERS=${ITERS:-20}
MODELS=${*:-"resnet50 mobilenetv2 dwsep_block bottleneck"}
WORK=${WORK:-build/compare}
mkdir -p "$WORK"
[ -x "$CASTNET" ] || { echo "compare: build castnet first (make bench)" >&2; exit 1; }
[ -d bench/ort/node_modules/onnxruntime-node ] || (cd bench/ort && npm install --no-audit --no-fund --ignore-scripts >/dev/null)

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

printf "%-12s %5s %7s %12s %12s %8s\n" model batch threads castnet_ms ort_ms ratio
for model in $MODELS; do
  for batch in $BATCHES; do
    onnx="$WORK/${model}_b${batch}.onnx"
    [ -f "$onnx" ] || "$CASTNET" zoo export "$model" --batch "$batch" -o "$onnx" >/dev/null
    for threads in $THREADS; do
      c=(); o=()
      for ((r = 0; r < ROUNDS; r++)); do
        "$CASTNET" bench "$onnx" --threads "$threads" --iters "$ITERS" --warmup 3 --json "$WORK/c.json" >/dev/null
        c+=("$(field "$WORK/c.json" median_ms)")
        node bench/ort/run_ort.js "$onnx" --threads "$threads" --iters "$ITERS" --warmup 3 --batch "$batch" > "$WORK/o.json"
        o+=("$(field "$WORK/o.json" median_ms)")
      done
      cm=$(printf "%s\n" "${c[@]}" | median); om=$(printf "%s\n" "${o[@]}" | median)
      printf "%-12s %5s %7s %12.3f %12.3f %8.3f\n" "$model" "$batch" "$threads" "$cm" "$om" "$(awk -v a="$cm" -v b="$om" 'BEGIN{print a/b}')"
    done
  done
done
