#!/usr/bin/env bash
# replay_twice.sh BROOK SCENARIO SEED: replays one seed twice, writing traces, and requires the
# same parameters, verdict and trace hash, and byte-identical traces.
set -euo pipefail
brook=$1 scenario=$2 seed=$3
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$brook" sim replay --scenario "$scenario" --seed "$seed" --trace "$dir/a.trace" | grep -v '^trace written' >"$dir/a.out" || true
"$brook" sim replay --scenario "$scenario" --seed "$seed" --trace "$dir/b.trace" | grep -v '^trace written' >"$dir/b.out" || true
head -1 "$dir/a.out" | grep -qx "SEED=$seed"
grep -q '^trace hash [0-9a-f]\{16\}$' "$dir/a.out"
diff "$dir/a.out" "$dir/b.out"
cmp "$dir/a.trace" "$dir/b.trace"
test -s "$dir/a.trace"
echo "seed $seed replays identically: $(tail -1 "$dir/a.out")"
