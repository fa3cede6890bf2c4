#!/usr/bin/env bash
# Brook's producer (`brook produce`) beside librdkafka's (`rdkafka_performance -P`), both
# against the same `brook serve` in the same run. A measurement, never a test.
#
#   tools/bench/producer_bench.sh [path/to/brook]      (default build/brook; under a minute)
#
# For each record size (100 B, 1 KiB): one topic per client, 1 partition, created first;
# acks=all (the broker fsyncs before it acknowledges), linger 5 ms, batch.size 1,000,000 (the
# librdkafka default), 5 requests in flight (the Java client's default and Brook's; librdkafka's
# own default is 1,000,000, which sends a whole run's requests at once), no compression. Brook's producer reads N lines of SIZE bytes from a
# file on stdin (the CLI's own path: the line split is part of what is measured);
# rdkafka_performance generates its records in memory. Both figures are wall time from start
# to the last acknowledgement, process start-up included, payload bytes only, plus the
# client's CPU time (user + system); the runs alternate between the two clients, RUNS times,
# and the median of each column is printed.
#
# Env: N100 (1000000 records of 100 B)  N1K (200000 records of 1 KiB)  RUNS (3)
#      WORK (build/bench-producer: broker data, inputs, the rdkafka_performance build)
# Needs gcc, pkg-config and librdkafka-dev for rdkafka_performance (built from the example
# source Debian ships, with ../shared/bench/rdkafka_shim's two headers), and python3.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
BROOK=${1:-${BROOK:-$repo/build/brook}}
WORK=${WORK:-$repo/build/bench-producer}
N100=${N100:-1000000}
N1K=${N1K:-200000}
RUNS=${RUNS:-3}
SHIM=${SHIM:-$repo/../shared/bench/rdkafka_shim}

[ -x "$BROOK" ] || { echo "producer_bench: no brook binary at $BROOK (build first)" >&2; exit 2; }
rm -rf "$WORK/data" && mkdir -p "$WORK/data" "$WORK/rdkafka/src" "$WORK/rdkafka/examples"

# --- rdkafka_performance, built privately -----------------------------------------------
perf=$WORK/rdkafka/rdkafka_performance
if [ ! -x "$perf" ]; then
    example=/usr/share/doc/librdkafka-dev/examples/rdkafka_performance.c
    # The example includes "../src/rd.h": the shim's headers go in src/ beside examples/.
    source=$WORK/rdkafka/examples/rdkafka_performance.c
    if [ -f "$example.gz" ]; then zcat "$example.gz" >"$source"; else cp "$example" "$source"; fi
    cp "$SHIM"/*.h "$WORK/rdkafka/src/"
    gcc -O2 -w -o "$perf" "$source" -I"$WORK/rdkafka/src" \
        $(pkg-config --cflags --libs rdkafka) -lpthread
fi

# --- the broker ---------------------------------------------------------------------------
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
bootstrap=127.0.0.1:$port
"$BROOK" serve --override "listeners=PLAINTEXT://$bootstrap" \
    --override "advertised.listeners=PLAINTEXT://$bootstrap" \
    --override "log.dirs=$WORK/data" --override auto.create.topics.enable=false \
    >"$WORK/broker.log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done

now_ns() { date +%s%N; }
# The client's user + system CPU seconds, from /usr/bin/time's file.
cpu_seconds() { awk '{printf "%.2f", $1 + $2}' "$WORK/cpu"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# "msgs/s MB/s" from a record count, a size and nanoseconds.
rates() { awk -v n="$1" -v s="$2" -v ns="$3" 'BEGIN {t = ns / 1e9; printf "%d %.1f\n", n / t, n * s / t / 1e6}'; }

echo "# producer_bench $(date -u +%Y-%m-%dT%H:%MZ): $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "brook $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'), broker $bootstrap"
printf '%-22s %6s %9s %12s %9s %9s\n' client size records msgs/s MB/s "client CPU s"
for size in 100 1024; do
    n=$N100; [ "$size" = 1024 ] && n=$N1K
    input=$WORK/input-$size.txt
    python3 -c 'import sys; n, s = int(sys.argv[1]), int(sys.argv[2]); line = (b"x" * (s - 1) + b"y\n"); sys.stdout.buffer.write(line * n)' "$n" "$size" >"$input"
    declare -a brook_rates=() rdkafka_rates=()
    for ((run = 1; run <= RUNS; run++)); do
        topic=brook-$size-$run
        "$BROOK" topics --bootstrap-server "$bootstrap" --create --topic "$topic" --partitions 1 >/dev/null
        start=$(now_ns)
        /usr/bin/time -f '%U %S' -o "$WORK/cpu" timeout 120 "$BROOK" produce \
            --bootstrap-server "$bootstrap" --topic "$topic" --acks all --linger-ms 5 \
            --batch-size 1000000 --property max.request.size=1048576 <"$input"
        brook_rates+=("$(rates "$n" "$size" $(($(now_ns) - start))) $(cpu_seconds)")

        topic=rdkafka-$size-$run
        "$BROOK" topics --bootstrap-server "$bootstrap" --create --topic "$topic" --partitions 1 >/dev/null
        start=$(now_ns)
        /usr/bin/time -f '%U %S' -o "$WORK/cpu" timeout 120 "$perf" -P -t "$topic" -p 0 \
            -b "$bootstrap" -s "$size" -c "$n" -a -1 -X linger.ms=5 -X batch.size=1000000 \
            -X max.in.flight.requests.per.connection=5 -X message.timeout.ms=110000 \
            -q >/dev/null 2>&1
        rdkafka_rates+=("$(rates "$n" "$size" $(($(now_ns) - start))) $(cpu_seconds)")
    done
    for client in brook rdkafka; do
        declare -n list=${client}_rates
        msgs=$(printf '%s\n' "${list[@]}" | cut -d' ' -f1 | median)
        mb=$(printf '%s\n' "${list[@]}" | cut -d' ' -f2 | median)
        cpu=$(printf '%s\n' "${list[@]}" | cut -d' ' -f3 | median)
        label=$([ $client = brook ] && echo "brook produce" || echo "rdkafka_performance -P")
        printf '%-22s %6s %9s %12s %9s %9s\n' "$label" "$size" "$n" "$msgs" "$mb" "$cpu"
    done
    rm -f "$input"
done
