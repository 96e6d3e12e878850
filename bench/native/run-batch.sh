#!/usr/bin/env bash
# The hardware ceiling for the phase-diagram batch (B = 2048 systems of n = 32 on S^7, f32, one
# attention pass): native C with 128-bit vectors (Wasm SIMD's width) and with the widest this CPU has.
# Usage: bash bench/native/run-batch.sh   (needs gcc)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
gcc -O3 -msse4.2 -ffast-math -fopenmp-simd "$here/batch.c" -o "$out/b128" -lm
gcc -O3 -march=native -mprefer-vector-width=512 -ffast-math -fopenmp-simd "$here/batch.c" -o "$out/bnat" -lm
printf '128-bit vectors: '; "$out/b128"
printf 'widest vectors:  '; "$out/bnat"
rm -rf "$out"
