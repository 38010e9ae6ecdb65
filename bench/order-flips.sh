#!/usr/bin/env bash
# Runs a matrix three times from scratch (--fresh, each into its own artifacts folder): first in matrix order, then
# twice shuffled with different seeds; then counts the cells whose verdict, signature, state or host writes differ
# between the runs. The goal is 0 flips. Run as root from the checkout, after `dotnet build -c Release`:
#   bench/order-flips.sh [MATRIX] [extra run options...]      (default: smoke --allow-host-writes)
set -euo pipefail
cd "$(dirname "$0")/.."
matrix=${1:-smoke}
shift || true
extra=("$@")
[ "${#extra[@]}" -gt 0 ] || extra=(--allow-host-writes)
cli=(dotnet src/SystemdMatrix.Cli/bin/Release/net10.0/systemd-matrix.dll --root "$PWD")
work=$(mktemp -d /tmp/smx-flips.XXXXXX)
trap 'rm -rf "$work"' EXIT

orders=("" "--shuffle 1" "--shuffle 2")
reports=()
for i in 0 1 2; do
  start=$(date +%s)
  # shellcheck disable=SC2086 # the order options are words on purpose
  "${cli[@]}" --artifacts "$work/run$i" run --matrix "$matrix" --fresh ${orders[$i]} "${extra[@]}" > "$work/run$i.log" 2>&1 \
    || { echo "run $i failed:"; tail -n 20 "$work/run$i.log"; exit 1; }
  echo "run $i (${orders[$i]:-matrix order}): $(( $(date +%s) - start )) s, $(grep -c '^\S* \[[0-9]*/' "$work/run$i.log" || true) cells booted"
  reports+=("$work/run$i/compatibility/$matrix.json")
done

"${cli[@]}" compare "${reports[@]}" && echo "0 flips over 3 runs of $matrix"
