#!/usr/bin/env bash
# CPU training legs of the 64 px model (issue: DiffAugment, every train face, lazy MA-GP).
# Resumable: re-run the same command; a finished leg leaves runs/<leg>/DONE and is skipped.
#   1. ablation at equal wall time: models/default continued with and without DiffAugment,
#      both legs at once on one thread each (same load, same minutes, same encoder fine-tune);
#   2. the main leg continues the DiffAugment leg on both threads until MAIN_MINUTES.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python}
DATA=${DATA:-../shared/data/celeba}
ABL_MINUTES=${ABL_MINUTES:-20}
MAIN_MINUTES=${MAIN_MINUTES:-70}
COMMON=(--data "$DATA" --size 64 --ngf 32 --batch 32 --ema-decay 0.995 --bf16 --channels-last
        --gp-every 4 --sample-every 300 --checkpoint-minutes 4 --device cpu)
leg() {  # leg NAME THREADS MINUTES ARGS...
  local name=$1 threads=$2 minutes=$3; shift 3
  if [ -f "runs/$name/DONE" ]; then echo "$name: done"; return; fi
  "$PY" -m composer train --out "runs/$name" --threads "$threads" --minutes "$minutes" "${COMMON[@]}" "$@" \
    > "runs/$name.log" 2>&1 && touch "runs/$name/DONE"
}
mkdir -p runs
leg abl_diffaug 1 "$ABL_MINUTES" --init-from models/default --encoder-finetune-steps 300 \
    --diffaugment color,translation,cutout &
leg abl_plain 1 "$ABL_MINUTES" --init-from models/default --encoder-finetune-steps 300 &
wait
leg main_d1 2 "$MAIN_MINUTES" --init-from runs/abl_diffaug/bundle --diffaugment color,translation,cutout
