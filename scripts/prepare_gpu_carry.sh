#!/usr/bin/env bash
# Run HERE before a GPU lease: copies the compact training pack and labels into data_carry/ (ignored
# by git, named in the device tool's `carry`) and fetches the one wheel the GPU image lacks (nltk).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared/data/celeba}
grep -qx '/data_carry/' .git/info/exclude || echo '/data_carry/' >> .git/info/exclude
mkdir -p data_carry/celeba data_carry/whl
cp "$SHARED/celeba128_train_webp85.npz" "$SHARED/celeba_attrs.csv" data_carry/celeba/
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux2014_x86_64 --platform any -d data_carry/whl "nltk==3.9.1"
du -sh data_carry
