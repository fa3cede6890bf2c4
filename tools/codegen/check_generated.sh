#!/usr/bin/env bash
# Checks that the committed protocol codec matches what tools/codegen/gen_protocol.py generates
# from Kafka's schemas: regenerates into a temporary folder and diffs. Exit 1 on any difference.
# The schemas are reference data outside the repository (../shared/kafka-protocol/messages
# relative to the repository root, or $BROOK_KAFKA_SCHEMAS); without them the check is skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
schemas="${BROOK_KAFKA_SCHEMAS:-$root/../shared/kafka-protocol/messages}"
if [ ! -d "$schemas" ]; then
    echo "check_generated.sh: schemas not present at $schemas, skipped"
    exit 0
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
/usr/bin/python3 "$root/tools/codegen/gen_protocol.py" --schemas "$schemas" --out "$scratch" \
    >/dev/null
status=0
for folder in core/protocol/generated tests/protocol/generated; do
    if ! diff -ru "$root/$folder" "$scratch/$folder"; then status=1; fi
done
if [ "$status" -ne 0 ]; then
    echo "check_generated.sh: generated protocol sources are stale;" \
         "run tools/codegen/gen_protocol.py and commit the result" >&2
else
    echo "check_generated.sh: generated protocol sources are up to date"
fi
exit "$status"
