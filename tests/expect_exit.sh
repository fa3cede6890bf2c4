#!/usr/bin/env bash
# expect_exit.sh STATUS COMMAND...: passes when COMMAND exits with exactly STATUS. For negative
# tests, where "it failed" is not enough: it must fail the way the test expects (a correctness
# verdict, not a crash).
expected=$1
shift
"$@"
status=$?
if [[ $status -ne $expected ]]; then
  echo "expected exit status $expected, got $status" >&2
  exit 1
fi
echo "exited with $status as expected"
