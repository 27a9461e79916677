#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repo root, with data_carry/ carried:
#   bash scripts/gpu_train.sh start   # detached training run (survives the command), logs to runs/gpu/train.log
#   bash scripts/gpu_train.sh bench   # throughput: img/s with/without bf16 and channels_last; latency
#   bash scripts/gpu_train.sh status  # tail of the log
#   bash scripts/gpu_train.sh collect # copy bundle (fp16, <16 MiB files) + log + samples to $OUT
# Settings by environment: SIZE (128), NGF (64), BATCH (64), MINUTES (24), EXTRA (default "--bf16 --channels-last --mode-seeking 1").
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-128}; NGF=${NGF:-64}; BATCH=${BATCH:-64}; MINUTES=${MINUTES:-24}
EXTRA=${EXTRA:---bf16 --channels-last --mode-seeking 1}
RUN=${RUN:-runs/gpu}
DATA=${DATA:-data_carry/celeba}
PY=${PY:-python3}
if ! $PY -c "import nltk" 2>/dev/null; then
  $PY -m pip install -q --no-index --no-deps --target /tmp/site data_carry/whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
mkdir -p "$RUN"
case "${1:-start}" in
  start)
    setsid nohup $PY -m composer train --data "$DATA" --out "$RUN" --size "$SIZE" --ngf "$NGF" \
        --batch "$BATCH" --minutes "$MINUTES" --checkpoint-minutes 3 $EXTRA > "$RUN/train.log" 2>&1 < /dev/null &
    echo "started training in $RUN (pid $!)";;
  bench)
    $PY bench/bench_train_throughput.py --data "$DATA" --size "$SIZE" --ngf "$NGF" --batch "$BATCH" \
        --out "${OUT:-$RUN}/train_throughput.json";;
  status)
    tail -c 2000 "$RUN/train.log"; ls -la "$RUN" "$RUN/bundle" 2>/dev/null || true;;
  collect)
    : "${OUT:?collect needs \$OUT}"
    mkdir -p "$OUT/bundle"
    cp "$RUN"/bundle/* "$OUT/bundle/"
    cp "$RUN/train.log" "$RUN/settings.json" "$OUT/" 2>/dev/null || true
    cp "$RUN/samples_latest.png" "$OUT/" 2>/dev/null || true
    ls -la "$OUT" "$OUT/bundle";;
  *) echo "usage: $0 start|bench|status|collect" >&2; exit 2;;
esac
