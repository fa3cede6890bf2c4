#!/usr/bin/env bash
# Smoke test of `brook serve` with a real client: kcat produces and consumes through a broker on
# a free 127.0.0.1 port with a temporary data directory; the broker restarts and the records
# are still there, in order; SIGTERM stops it with exit status 0.
#
# usage: broker_smoke_test.sh path/to/brook
set -euo pipefail
BROOK=${1:?usage: broker_smoke_test.sh path/to/brook}
command -v kcat >/dev/null || { echo "kcat is not installed (tools/setup.sh installs it)"; exit 1; }

WORK=$(mktemp -d)
PID=""
cleanup() {
    if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BOOTSTRAP=127.0.0.1:$PORT

start_broker() {
    timeout 120 "$BROOK" serve --override "listeners=PLAINTEXT://127.0.0.1:$PORT" \
        --override "log.dirs=$WORK/data" >>"$WORK/broker.log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do
        if grep -q "listening on" "$WORK/broker.log" 2>/dev/null &&
           [[ $(grep -c "listening on" "$WORK/broker.log") -ge $1 ]]; then
            return 0
        fi
        sleep 0.1
    done
    echo "broker did not start:"; cat "$WORK/broker.log"; exit 1
}

stop_broker() {
    kill -TERM "$PID"
    local status=0
    wait "$PID" || status=$?
    PID=""
    if [[ $status -ne 0 ]]; then
        echo "broker exited with $status after SIGTERM:"; cat "$WORK/broker.log"; exit 1
    fi
}

expect_records() {  # the consumed "key value" lines must equal $1
    local got
    got=$(timeout 20 kcat -C -b "$BOOTSTRAP" -t smoke -o beginning -e -q -f '%k %s\n')
    if [[ "$got" != "$1" ]]; then
        echo "consumed:"; echo "$got"; echo "expected:"; echo "$1"; cat "$WORK/broker.log"; exit 1
    fi
}

start_broker 1
EXPECTED=""
for i in $(seq 1 20); do EXPECTED+="k$i value-$i"$'\n'; done
EXPECTED=${EXPECTED%$'\n'}
# Keyed records, acks=all (kcat's default), one batch per flush.
printf '%s\n' "$EXPECTED" | sed 's/ /:/' | timeout 20 kcat -P -b "$BOOTSTRAP" -t smoke -K:
expect_records "$EXPECTED"
echo "produced and consumed 20 records"

stop_broker
start_broker 2
grep -q "recovered 1 topics, 1 partitions" "$WORK/broker.log" || {
    echo "restart did not report the recovered topic:"; cat "$WORK/broker.log"; exit 1; }
expect_records "$EXPECTED"
echo "the records survived a restart"

# More records after the restart continue the same offsets.
echo "k21:value-21" | timeout 20 kcat -P -b "$BOOTSTRAP" -t smoke -K:
expect_records "$EXPECTED"$'\n'"k21 value-21"
LAST=$(timeout 20 kcat -C -b "$BOOTSTRAP" -t smoke -o -1 -e -q -f '%o\n')
[[ "$LAST" == "20" ]] || { echo "last offset is '$LAST', expected 20"; exit 1; }

stop_broker
grep -q "stopped" "$WORK/broker.log"
echo "ok"
