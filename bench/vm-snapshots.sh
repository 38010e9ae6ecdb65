#!/usr/bin/env bash
# VM hosts booted cold against VM hosts resumed from their saved snapshots, side by side in one run: the same
# selection of v2 cells, run in turn with SYSTEMD_MATRIX_VM_SNAPSHOTS=off and =on (ABAB...), each from scratch
# (--fresh) into its own artifacts folder. Prints each run's wall time and its VMs' ready times, then compares every
# run's verdicts. A warm-up run with snapshots on saves them first (not counted). Run as root from the checkout,
# after `dotnet build -c Release`:
#   bench/vm-snapshots.sh [PAIRS] [run options...]     (default: 2 pairs of --matrix v2 --where daemon=cgroupfs)
set -euo pipefail
cd "$(dirname "$0")/.."
pairs=${1:-2}
shift || true
selection=("$@")
[ "${#selection[@]}" -gt 0 ] || selection=(--matrix v2 --where daemon=cgroupfs)
cli=(dotnet src/SystemdMatrix.Cli/bin/Release/net10.0/systemd-matrix.dll --root "$PWD")
work=$(mktemp -d /tmp/smx-vm-snapshots.XXXXXX)
trap 'rm -rf "$work"' EXIT

run() { # NAME SNAPSHOTS
  local start ready
  start=$(date +%s%N)
  SYSTEMD_MATRIX_VM_SNAPSHOTS=$2 "${cli[@]}" --artifacts "$work/$1" run "${selection[@]}" --fresh > "$work/$1.log" 2>&1 \
    || { echo "$1 failed:"; tail -n 20 "$work/$1.log"; exit 1; }
  ready=$(grep -oE 'VM smx-vm-[0-9a-f]+ (ready|resumed) in [0-9.]+ s' "$work/$1.log" | awk '{printf "%s%s %s s", sep, $3, $5; sep=", "}' || true)
  printf '%-10s snapshots %-3s %6d s   VMs: %s\n' "$1" "$2" $(( ($(date +%s%N) - start) / 1000000000 )) "$ready"
}

run warmup on > /dev/null
reports=()
for i in $(seq 1 "$pairs"); do
  run "cold$i" off
  run "resumed$i" on
  reports+=("$work"/cold"$i"/compatibility/*.json "$work"/resumed"$i"/compatibility/*.json)
done

"${cli[@]}" compare "${reports[@]}" && echo "0 verdict differences over ${#reports[@]} runs"
