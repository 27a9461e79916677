#!/usr/bin/env bash
# Ship a newly trained bundle as models/default and refresh everything that depends on it:
# evaluation, benchmarks, the example case file and the screenshots.
#
#   bash scripts/refresh_shipped_model.sh runs/NAME/bundle [step ...]
#
# Steps (default: all, in this order): copy evaluate lockq timing latency case screenshots.
# "evaluate" and "lockq" (lock quality) run side by side with one thread each; the timing benchmarks
# run alone afterwards so they see a quiet machine. Needs ../shared/data/celeba and, for the
# screenshots, xvfb-run. Logs go to runs/refresh/.
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=${1:?usage: refresh_shipped_model.sh BUNDLE_DIR [step ...]}
shift
STEPS=${*:-copy evaluate lockq timing latency case screenshots}
PY=${PYTHON:-python}
DATA=${DATA:-../shared/data/celeba}
LOG=runs/refresh
mkdir -p "$LOG"
has() { [[ " $STEPS " == *" $1 "* ]]; }

if has copy; then
  [ -f "$BUNDLE/model.json" ] || { echo "$BUNDLE/model.json not found: not a bundle folder" >&2; exit 2; }
  rm -rf models/default.new && cp -r "$BUNDLE" models/default.new
  rm -rf models/default && mv models/default.new models/default
  $PY - <<'EOF'
from composer.gan.bundle import load_bundle
m = load_bundle("models/default", need_discriminator=True)
print("shipped", m.name, m.sha256)
EOF
fi

pids=()
if has evaluate; then
  OMP_NUM_THREADS=1 $PY -m composer evaluate --data "$DATA" --limit 1000 --threads 1 \
      --out bench/results/evaluate_default.json > "$LOG/evaluate.log" 2>&1 & pids+=($!)
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
if has latency; then
  $PY bench/bench_latency.py --model models/default --out bench/results/latency.json > "$LOG/latency.log" 2>&1
fi
if has case; then
  $PY -m composer case --caption "an older man with gray hair, glasses and a mustache" --lock eyes --seed 7 \
      -n 6 --lock-steps 10 --case-id EXAMPLE-001 --operator "Example Operator" --witness W-EXAMPLE \
      --out examples/example.composer-case --force > "$LOG/case.log" 2>&1
  cp "${XDG_CONFIG_HOME:-$HOME/.config}/composer/signing_key.pub" examples/example-signer.pub
  $PY -m composer verify examples/example.composer-case --trust examples/example-signer.pub >> "$LOG/case.log" 2>&1
  $PY -m composer reproduce examples/example.composer-case >> "$LOG/case.log" 2>&1
fi
if has screenshots; then
  xvfb-run -a -s "-screen 0 1600x1000x24" $PY -m composer.gui.screenshots docs --model models/default \
      > "$LOG/screenshots.log" 2>&1
fi
tail -n 3 "$LOG"/*.log
