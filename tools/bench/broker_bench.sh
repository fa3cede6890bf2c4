#!/usr/bin/env bash
# Brook beside its peers in one run, plus the disk's append+fdatasync ceiling at the batch size
# the client really sends. A measurement, never a test: nothing here asserts a time.
#
#   tools/bench/broker_bench.sh [path/to/brook]        (default build/brook; about 15 minutes)
#
# Steps, back to back on this machine (never concurrently: 2 cores):
#   1. copies ../shared/bench (read-only in CI) into $WORK/bench and runs its compare.sh there:
#      `brook serve` (acks=-1, fsync before every acknowledgement) through kafka_target.sh
#      (rdkafka_performance for msg/s and MB/s, kafka_load.py for ack latency p50/p99 and one in
#      flight, rdkafka_performance -C for consume), then librdkafka's in-memory mock broker,
#      Redis Streams (appendfsync always / everysec) and NATS JetStream, all with SIZES and N;
#   2. batch probe: one more rdkafka_performance produce per size against a fresh Brook with
#      librdkafka statistics on, giving the mean record batch and Produce request size;
#   3. fio: append + fdatasync after every write, at each probed record batch size (what a
#      broker that syncs each partition's log once per request makes durable per sync; with one
#      partition it is the whole request) and at 64 KiB / 1 MiB for reference;
#   (fio at 64 KiB and 1 MiB also runs first, before the peers: the disk here drifts a lot)
#   4. a summary with the issue's targets: Brook >= 2x Redis `always` at 100 B and >= 1.5x at
#      1 KiB (msg/s, same run), and Brook's produce MB/s >= 70 % of fio's at the batch size.
#
# Env: RUNS (3)  N (1000000)  SIZES ("100 1024")  SKIP (compare.sh targets to skip: brook mock
#      redis nats)  PARTITIONS (unset: the topic is auto-created with Brook's num.partitions)
#      WORK (build/bench-run: scratch data, logs and results; keep it on the disk Brook uses)
#      BENCH_SRC (../shared/bench)  FIO_SECS (10)
# Installs, when missing and run as root: the peers (redis-server, redis-tools, nats-server,
# libnats-dev) and fio. tools/setup.sh does not: only this script needs them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
BROOK=${1:-${BROOK:-$repo/build/brook}}
BROOK=$(cd "$(dirname "$BROOK")" && pwd)/$(basename "$BROOK")
BENCH_SRC=${BENCH_SRC:-$repo/../shared/bench}
WORK=${WORK:-$repo/build/bench-run}
export RUNS=${RUNS:-3} N=${N:-1000000} SIZES=${SIZES:-"100 1024"}
FIO_SECS=${FIO_SECS:-10}
SKIP=${SKIP:-}
PY=/usr/bin/python3

[ -x "$BROOK" ] || { echo "broker_bench: no brook binary at $BROOK (build first)" >&2; exit 2; }
[ -d "$BENCH_SRC" ] || { echo "broker_bench: no bench folder at $BENCH_SRC" >&2; exit 2; }

peers=(fio redis-server redis-tools nats-server libnats-dev gcc pkg-config librdkafka-dev kcat
       python3-confluent-kafka)
missing=()
for package in "${peers[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$package")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "broker_bench: installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "broker_bench: missing ${missing[*]} and not root: the targets needing them fail" >&2
    fi
fi

# A private copy of the bench folder: compare.sh builds into and writes beside itself.
rm -rf "$WORK/bench" "$WORK/scratch"
mkdir -p "$WORK/bench" "$WORK/scratch" "$WORK/results"
tar -C "$BENCH_SRC" --exclude=.build --exclude=.scratch --exclude=results -cf - . |
    tar -C "$WORK/bench" -xf -
chmod -R u+w "$WORK/bench"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
report="$WORK/results/broker_bench-$stamp.txt"
exec > >(tee "$report") 2>&1
echo "# broker_bench $stamp: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
    "brook $(git -C "$repo" describe --always --dirty 2>/dev/null || echo '?'), SIZES=$SIZES N=$N RUNS=$RUNS"
echo "# disk: $(df -h "$WORK" | awk 'NR==2 {print $1, $6}')"

fio_mb() { # block size in bytes -> MB/s of append + fdatasync after every write
    local bs=$1
    rm -f "$WORK"/scratch/fiojob.*
    timeout $((FIO_SECS * 6 + 60)) fio --name=fiojob --directory="$WORK/scratch" --ioengine=psync \
        --rw=write --bs="$bs" --size=8G --file_append=1 --fallocate=none --fdatasync=1 \
        --runtime="$FIO_SECS" --time_based --unlink=1 --output-format=json |
        $PY -c 'import json, sys; w = json.load(sys.stdin)["jobs"][0]["write"]; print("%.1f %.0f" % (w["bw_bytes"] / 1e6, w["iops"]))'
}
# This machine's disk drifts by an order of magnitude within an hour (shared host), so the
# reference points are measured before the peers run and again after them.
echo "== disk before: append + fdatasync after every write (fio, ${FIO_SECS} s each)"
for bs in 65536 1048576; do
    read -r mb iops < <(fio_mb "$bs")
    echo "  ${bs} B writes: $mb MB/s, $iops fdatasync/s"
done

# --- 1. compare.sh -------------------------------------------------------------------------
(cd "$WORK/bench" && BROOK="$BROOK" SCRATCH="$WORK/scratch" SKIP="$SKIP" ./compare.sh) ||
    echo "broker_bench: compare.sh exited $?"
compare_out=$(ls -t "$WORK"/bench/results/compare-*.txt 2>/dev/null | head -1)

# --- 2. batch probe ------------------------------------------------------------------------
probe_port=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
probe_data="$WORK/scratch/probe"
probe_n=$N  # long enough for several statistics intervals even at 2.5M msg/s
declare -A request_bytes batch_bytes
# With strace present the probe broker runs under `strace -f -c`, which counts its write and
# fdatasync calls: bytes per fdatasync shows how much the broker's group commit gathers.
tracer=()
command -v strace >/dev/null && tracer=(strace -f -c -e trace=fdatasync,fsync,pwrite64,pwritev,write,writev)
bpid=
stop_probe() {
    if [ -n "$bpid" ] && kill -0 "$bpid" 2>/dev/null; then
        # Under strace, SIGTERM goes to the broker itself (strace's child, by its parent's id).
        local target; target=$( ((${#tracer[@]})) && pgrep -P "$bpid" | head -1 || echo "$bpid")
        kill "${target:-$bpid}" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$bpid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$bpid" 2>/dev/null && kill -9 "${target:-$bpid}" "$bpid" 2>/dev/null
        wait "$bpid" 2>/dev/null || true
    fi
    bpid=
}
trap stop_probe EXIT
echo
echo "== batch probe: rdkafka_performance, acks=-1, linger 5 ms, batch.size 1e6, $probe_n msgs, librdkafka statistics"
for s in $SIZES; do
    rm -rf "$probe_data" && mkdir -p "$probe_data"
    syscalls="$WORK/scratch/probe-syscalls-$s.txt"
    "${tracer[@]}" ${tracer[@]:+-o "$syscalls"} "$BROOK" serve --override "listeners=PLAINTEXT://127.0.0.1:$probe_port" \
        --override "advertised.listeners=PLAINTEXT://127.0.0.1:$probe_port" \
        --override "log.dirs=$probe_data" >"$WORK/scratch/probe-broker.log" 2>&1 &
    bpid=$!
    for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$probe_port") 2>/dev/null && break; sleep 0.1; done
    stats="$WORK/scratch/stats-$s.jsonl"
    rm -f "$stats"
    timeout 180 "$WORK/bench/.build/rdkafka_performance" -P -t probe -b "127.0.0.1:$probe_port" \
        -s "$s" -c "$probe_n" -a -1 -X linger.ms=5 -X batch.size=1000000 \
        -X message.timeout.ms=150000 -T 50 -Y "cat >> $stats" -i 600000 2>&1 |
        grep -E 'msgs/s' | tail -1 | sed 's/^/  /' || true
    stop_probe
    if [ -s "$syscalls" ]; then
        awk -v data="$(du -sb "$probe_data" | cut -f1)" '
            $NF == "fdatasync" || $NF == "fsync" {syncs += $(NF - 1)}
            $NF ~ /write/ {writes += $(NF - 1)}
            END {printf "  broker (strace -c): %d write calls, %d fsync/fdatasync calls, %.0f bytes of data per sync\n",
                 writes, syncs, syncs ? data / syncs : 0}' "$syscalls"
    fi
    read -r rb bb < <($PY - "$stats" <<'EOF'
import json, sys
# Requests and bytes are running totals: the last sample has them. Batch sizes are per-interval
# windows: weigh each interval's mean by its batch count.
last, weighted, batches = None, 0.0, 0
for line in open(sys.argv[1]):
    try:
        stats = json.loads(line)
    except ValueError:
        continue
    if stats.get("txmsgs", 0) > 0:
        last = stats
    for topic in stats.get("topics", {}).values():
        window = topic["batchsize"]
        if window["cnt"]:
            weighted += window["avg"] * window["cnt"]
            batches += window["cnt"]
if last is None:
    print("0 0"); sys.exit()
requests = sum(b["req"].get("Produce", 0) for b in last["brokers"].values())
sent = sum(b["txbytes"] for b in last["brokers"].values())
print(int(sent / requests) if requests else 0, int(weighted / batches) if batches else 0)
EOF
)
    request_bytes[$s]=$rb
    batch_bytes[$s]=$bb
    echo "  ${s} B records: mean Produce request $rb bytes, mean record batch $bb bytes (librdkafka statistics)"
done

# --- 3. fio --------------------------------------------------------------------------------
declare -A fio_at
echo
echo "== disk after: append + fdatasync after every write (fio, ${FIO_SECS} s each)"
for s in $SIZES; do
    bs=$(( (${batch_bytes[$s]:-0} + 4095) / 4096 * 4096 ))
    if ((bs < 4096)); then
        echo "  (no librdkafka statistics for ${s} B records: no figure at its batch size)"
        continue
    fi
    read -r mb iops < <(fio_mb "$bs")
    fio_at[$s]=$mb
    echo "  ${bs} B writes (the ${s} B run's record batch, rounded up to 4 KiB): $mb MB/s, $iops fdatasync/s"
done
for bs in 65536 1048576; do
    read -r mb iops < <(fio_mb "$bs")
    echo "  ${bs} B writes (reference): $mb MB/s, $iops fdatasync/s"
done
rm -f "$WORK"/scratch/fiojob.*

# --- 4. summary ----------------------------------------------------------------------------
median_field() { # NAME_PREFIX WHAT FIELD: a compare.sh MEDIAN line -> its msg/s (msg) or MB/s (mb)
    local line=""
    [ -n "$compare_out" ] && line=$(grep "^MEDIAN $1" "$compare_out" | grep -F -- "$2" | head -1)
    set -- "$3" $(printf '%s' "$line" | sed -n 's/.*: \([0-9.]*\) msg\/s \([0-9.]*\) MB\/s.*/\1 \2/p')
    if [ "$1" = msg ]; then echo "${2:-nan}"; else echo "${3:-nan}"; fi
}
echo
echo "== summary (compare: ${compare_out:-none}; report: $report)"
for s in $SIZES; do
    brook_msgs=$(median_field brook "produce C ${s}B acks=-1:" msg)
    brook_mb=$(median_field brook "produce C ${s}B acks=-1:" mb)
    redis_msgs=$(median_field redis "XADD ${s}B fsync=always P=16 " msg)
    ratio_target=$([ "$s" -le 100 ] && echo 2.0 || echo 1.5)
    $PY - "$s" "$brook_msgs" "$brook_mb" "$redis_msgs" "${fio_at[$s]:-nan}" "$ratio_target" <<'EOF'
import sys
size, brook_msgs, brook_mb, redis_msgs, fio_mb, target = sys.argv[1:]
def number(text):
    try:
        return float(text)
    except ValueError:
        return float("nan")
brook_msgs, brook_mb, redis_msgs, fio_mb, target = map(number, (brook_msgs, brook_mb, redis_msgs, fio_mb, target))
ratio = brook_msgs / redis_msgs if redis_msgs else float("nan")
share = brook_mb / fio_mb if fio_mb else float("nan")
verdict = lambda ok: "met" if ok else "NOT met"
if ratio != ratio or share != share:  # nan: a target was skipped or failed
    verdict = lambda ok: "n/a" if not ok else "met"
print(f"  {size} B: brook {brook_msgs:,.0f} msg/s {brook_mb:.1f} MB/s; redis always (P=16) {redis_msgs:,.0f} msg/s"
      f" -> {ratio:.2f}x (target >= {target}x: {verdict(ratio >= target)});"
      f" disk append+fdatasync at the batch size {fio_mb:.1f} MB/s -> {100 * share:.0f} %"
      f" (target >= 70 %: {verdict(share >= 0.7)})")
EOF
done
