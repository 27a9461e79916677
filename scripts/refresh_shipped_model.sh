#!/usr/bin/env bash
# Ship a newly trained bundle as models/default (with the 2× refiner attached) and refresh everything
# that depends on it: evaluation, benchmarks, the example case files and the screenshots.
#
#   bash scripts/refresh_shipped_model.sh runs/NAME/bundle [step ...]
#
# Steps (default: all, in this order): evaluate copy lockq timing resynth latency refiner samples case hand
# session screenshots.
# "evaluate" judges the 64 px generator of BUNDLE itself (before the refiner is attached: the quality
# targets are the generator's); "copy" installs it as models/default and attaches
# models/refiner-64to128/bundle (set REFINER= to ship without one). "evaluate" and "lockq" run side by
# side with one thread each; the timing benchmarks run alone afterwards so they see a quiet machine.
# Needs ../shared/data/celeba and, for the screenshots, xvfb-run. Logs go to runs/refresh/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=${1:?usage: refresh_shipped_model.sh BUNDLE_DIR [step ...]}
shift
STEPS=${*:-evaluate copy lockq timing resynth latency refiner samples case hand session screenshots}
PY=${PYTHON:-python}
DATA=${DATA:-../shared/data/celeba}
REFINER=${REFINER-models/refiner-64to128}
SEEDS=${SEEDS:-3}
LOG=runs/refresh
mkdir -p "$LOG"
has() { [[ " $STEPS " == *" $1 "* ]]; }
[ -f "$BUNDLE/model.json" ] || { echo "$BUNDLE/model.json not found: not a bundle folder" >&2; exit 2; }

pids=()
if has evaluate; then
  OMP_NUM_THREADS=1 $PY -m composer evaluate --model "$BUNDLE" --data "$DATA" --limit 1000 --seeds "$SEEDS" \
      --threads 1 --out bench/results/evaluate_default.json > "$LOG/evaluate.log" 2>&1 & pids+=($!)
fi
if has copy; then
  rm -rf models/default.new && cp -r "$BUNDLE" models/default.new
  rm -f models/default.new/refiner.json models/default.new/refiner.safetensors
  if [ -n "$REFINER" ]; then
    $PY -m composer train-refiner --out "$REFINER" --attach-only --attach-to models/default.new > "$LOG/attach.log" 2>&1
  fi
  rm -rf models/default.old && { [ ! -d models/default ] || mv models/default models/default.old; }
  mv models/default.new models/default && rm -rf models/default.old
  $PY - <<'PYEOF'
from composer.gan.bundle import load_bundle
m = load_bundle("models/default", need_discriminator=True)
print("shipped", m.name, m.sha256, "refiner" if m.refiner is not None else "no refiner")
PYEOF
fi
if has lockq; then
  OMP_NUM_THREADS=1 $PY bench/bench_lock.py --model models/default --sets 50 --grid-steps 40 \
      --grid-candidates 3 --ablation-sets 20 --threads 1 --parts quality \
      --out bench/results/lock.json > "$LOG/lock_quality.log" 2>&1 & pids+=($!)
fi
for p in "${pids[@]}"; do wait "$p"; done

if has timing; then
  $PY bench/bench_lock.py --model models/default --sets 1 --repeats 3 --timing-steps 40 \
      --timing-128-steps 3 --parts timing --out bench/results/lock_timing.json > "$LOG/lock_timing.log" 2>&1
fi
if has resynth; then
  $PY bench/bench_resynth.py --model models/default --parts spread,multisource,speed --out bench/results/resynth.json > "$LOG/resynth.log" 2>&1
fi
if has latency; then
  $PY bench/bench_latency.py --model models/default --out bench/results/latency.json > "$LOG/latency.log" 2>&1
fi
if has refiner && [ -n "$REFINER" ]; then   # the refiner's figures on this generator (and docs/refiner-grid.png)
  $PY bench/bench_refiner.py --model "$BUNDLE" --refiner "$REFINER/bundle" --threads 2 > "$LOG/refiner.log" 2>&1
fi
if has samples && [ -f "$(dirname "$BUNDLE")/samples_latest.png" ]; then   # the run's fixed captions × fixed z grid
  cp "$(dirname "$BUNDLE")/samples_latest.png" docs/samples-default-model.png
fi
if has case; then
  KEYS=$(mktemp -d)
  $PY -m composer case --caption "an older man with gray hair, glasses and a mustache" --lock eyes --seed 7 \
      -n 6 --lock-steps 10 --case-id EXAMPLE-001 --operator "Example Operator" --witness W-EXAMPLE \
      --keys-dir "$KEYS" --out examples/example.composer-case --force > "$LOG/case.log" 2>&1
  cp "$KEYS/signing_key.pub" examples/example-signer.pub
  $PY -m composer verify examples/example.composer-case --trust examples/example-signer.pub >> "$LOG/case.log" 2>&1
  $PY -m composer reproduce examples/example.composer-case --trust examples/example-signer.pub >> "$LOG/case.log" 2>&1
fi
if has hand; then
  $PY examples/make_hand_case.py > "$LOG/hand.log" 2>&1
fi
if has session; then
  KEYS=$(mktemp -d)
  { $PY -m composer session run examples/session-full.json --keys-dir "$KEYS" &&
    $PY -m composer verify examples/session-full.composer-case --trust "$KEYS/signing_key.pub" &&
    $PY -m composer reproduce examples/session-full.composer-case --trust "$KEYS/signing_key.pub"; } > "$LOG/session.log" 2>&1
fi
if has screenshots; then
  xvfb-run -a -s "-screen 0 1600x1000x24" $PY -m composer.gui.screenshots docs --model models/default \
      > "$LOG/screenshots.log" 2>&1
  xvfb-run -a -s "-screen 0 1600x1000x24" $PY -m composer.gui.hand_screenshot docs --model models/default \
      >> "$LOG/screenshots.log" 2>&1
fi
tail -n 3 "$LOG"/*.log
