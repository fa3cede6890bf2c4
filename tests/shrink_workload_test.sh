#!/usr/bin/env bash
# shrink_workload_test.sh BROOK SEED: with the planted bug ack-before-fsync (build-asan/ only),
# shrinks a failing seed of produce-consume-crash, schedule and workload, and replays the
# written file, which must lower at least one workload parameter and fail the same way (a
# correctness verdict, exit status 1) with the overrides applied.
set -uo pipefail
brook=$1
seed=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run=(--plant ack-before-fsync --scenario produce-consume-crash --seed "$seed")
"$brook" sim shrink "${run[@]}" --out "$dir/s.schedule" 2>/dev/null || exit 1
cat "$dir/s.schedule"
grep -q '^param ' "$dir/s.schedule" || { echo "no workload parameter was lowered"; exit 1; }
"$brook" sim replay "${run[@]}" --schedule "$dir/s.schedule" >"$dir/out"
status=$?
cat "$dir/out"
[[ $status -eq 1 ]] || { echo "replay of the shrunk file exited $status, expected 1"; exit 1; }
# Every param line is applied and reported as the run's parameter.
while read -r _ name value; do
  grep -qx "override $name=$value" "$dir/out" || { echo "override $name not applied"; exit 1; }
  grep -qx "$name=$value" "$dir/out" || { echo "parameter $name is not $value"; exit 1; }
done < <(grep '^param ' "$dir/s.schedule")
# A parameter the scenario does not take is refused as usage (exit 2).
echo "param segment_bytes 4096" > "$dir/bad.schedule"
"$brook" sim replay "${run[@]}" --schedule "$dir/bad.schedule" >/dev/null 2>&1
[[ $? -eq 2 ]] || { echo "an unknown param must exit 2"; exit 1; }
echo "shrunk workload replays the failure"
