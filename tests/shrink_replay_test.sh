#!/usr/bin/env bash
# shrink_replay_test.sh BROOK SCENARIO BUG SEED: with planted bug BUG (build-asan/ only), shrinks
# a failing seed of SCENARIO (one whose faults a nemesis fiber used to draw, so that nothing
# could be shrunk or replayed), then replays the written schedule file, which must be the
# schedule the run executes and fail the same way: a correctness verdict (exit status 1) with
# the same anomaly as the shrunk run. Then an empty schedule must run without those faults
# (another trace).
set -uo pipefail
brook=$1
scenario=$2
bug=$3
seed=$4
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
run=(--plant "$bug" --scenario "$scenario" --seed "$seed")
"$brook" sim shrink "${run[@]}" --out "$dir/s.schedule" >"$dir/shrink" 2>/dev/null || exit 1
cat "$dir/shrink"
events=$(grep -c '^[0-9]' "$dir/s.schedule")
# "N events of M are enough to fail (K runs): <anomaly>: ..."
anomaly=$(sed -n 's/^.* are enough to fail ([0-9]* runs): \([^:]*\):.*/\1/p' "$dir/shrink")
[[ -n $anomaly ]] || { echo "seed $seed did not fail with an anomaly"; exit 1; }
"$brook" sim replay "${run[@]}" --schedule "$dir/s.schedule" >"$dir/out"
status=$?
grep -E '^(schedule|verdict|result|trace hash)' "$dir/out"
[[ $status -eq 1 ]] || { echo "replay of the shrunk schedule exited $status, expected 1"; exit 1; }
grep -qx "schedule=given ($events events)" "$dir/out" || { echo "the schedule was not used"; exit 1; }
grep -q "^result=$anomaly:" "$dir/out" || { echo "replay did not fail with $anomaly"; exit 1; }
# Replaying the file is deterministic, and an empty schedule is another run.
"$brook" sim replay "${run[@]}" --schedule "$dir/s.schedule" >"$dir/again"
[[ "$(grep '^trace hash' "$dir/out")" == "$(grep '^trace hash' "$dir/again")" ]] ||
  { echo "two replays of the file differ"; exit 1; }
if [[ $events -gt 0 ]]; then
  : >"$dir/empty.schedule"
  "$brook" sim replay "${run[@]}" --schedule "$dir/empty.schedule" >"$dir/empty"
  grep -qx "schedule=given (0 events)" "$dir/empty" || { echo "the empty schedule was not used"; exit 1; }
  [[ "$(grep '^trace hash' "$dir/out")" != "$(grep '^trace hash' "$dir/empty")" ]] ||
    { echo "an empty schedule ran the same faults"; exit 1; }
fi
echo "the shrunk $scenario schedule ($events events) replays to $anomaly"
