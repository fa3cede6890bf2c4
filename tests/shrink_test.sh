#!/usr/bin/env bash
# shrink_test.sh BROOK: shrinks a failing seed of the negative counter scenario, then replays the
# written schedule, which must fail the same way (a correctness verdict, exit status 1).
set -uo pipefail
brook=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$brook" sim shrink --scenario counter-ack-before-sync --seed 3 --out "$dir/s.schedule" 2>/dev/null || exit 1
grep -q '^# replay: brook sim replay' "$dir/s.schedule" || { echo "no replay line"; exit 1; }
"$brook" sim replay --scenario counter-ack-before-sync --seed 3 --schedule "$dir/s.schedule" >"$dir/out"
status=$?
cat "$dir/out"
[[ $status -eq 1 ]] || { echo "replay of the shrunk schedule exited $status, expected 1"; exit 1; }
grep -q '^schedule=given' "$dir/out" || { echo "the schedule was not used"; exit 1; }
# A schedule naming an action the scenario does not know is refused as usage (exit 2).
echo "1.0s explode n1" > "$dir/bad.schedule"
"$brook" sim replay --scenario counter --seed 3 --schedule "$dir/bad.schedule" >/dev/null
[[ $? -eq 2 ]] || { echo "an invalid schedule must exit 2"; exit 1; }
echo "shrunk schedule replays the failure"
