#!/usr/bin/python3
"""`brook produce` and `brook consume` follow partition leaders that move under them.

librdkafka's mock cluster (rdkafka_mock_cluster.c, three brokers) moves the leader of each of
four partitions to the next broker every 150 ms, bumping the leader epoch each time, so the
clients meet NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH (the consumer sends
current_leader_epoch) for as long as they run.

Checks:
  - `brook produce` (acks=all, one request in flight per broker) sends 3,000 keyed records
    with a sequence number per key, fed 100 every 100 ms so that some twenty leader moves
    happen meanwhile, and exits 0: every record delivered;
  - kcat reads each key's records back in sequence order, with none missing: nothing lost or
    reordered within a partition (a retry of a batch that was in fact written could duplicate
    records, which Kafka allows without idempotence: duplicates are reported, not failed);
  - `brook consume` reads all of them in the same per-partition order while leaders keep moving.

Usage: cli_leader_moves_test.py path/to/brook
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, start_mock_cluster, stop_process  # noqa: E402

TOPIC = "moving"
PARTITIONS = 4
KEYS = 30
PER_KEY = 100
MOVE_MS = 150


def start_cluster(test):
    cluster, bootstrap = start_mock_cluster(
        test, ["3", "--move-leaders-ms", str(MOVE_MS), f"{TOPIC}:{PARTITIONS}:3"])
    test.check(bootstrap.count(",") == 2, f"mock cluster of 3 brokers at {bootstrap}, leaders "
               f"moving every {MOVE_MS} ms")
    return cluster, bootstrap


def check_order(test, lines, what):
    """Each key's sequence numbers, in the order read, must be 0..PER_KEY-1 with nothing missing
    or out of order (a repeated run of numbers from a retried batch is allowed)."""
    by_key = {}
    for line in lines:
        key, sequence = line.split(" ")
        by_key.setdefault(key, []).append(int(sequence))
    problems = []
    duplicates = 0
    for key in (f"k{i}" for i in range(KEYS)):
        seen = by_key.get(key, [])
        expected = 0
        for sequence in seen:
            if sequence == expected:
                expected += 1
            elif sequence < expected:
                duplicates += 1  # a resent batch that had been written: Kafka allows it
            else:
                problems.append(f"{key}: {sequence} after {expected - 1}")
                break
        if expected != PER_KEY and not problems:
            problems.append(f"{key}: ends at {expected - 1}")
    test.check(not problems, f"{what}: every key's {PER_KEY} records in order, none missing "
               f"({duplicates} duplicates from retries)", "; ".join(problems[:5]))


def body(test):
    cluster, bootstrap = start_cluster(test)
    try:
        # 100 records every 100 ms: the produce spans several leader moves.
        pacer = ("import sys, time\n"
                 f"for i in range({KEYS * PER_KEY}):\n"
                 f"    print(f'k{{i % {KEYS}}}:{{i // {KEYS}}}')\n"
                 "    if i % 100 == 99:\n"
                 "        sys.stdout.flush()\n"
                 "        time.sleep(0.1)\n")
        produce = [test.binary, "produce", "--bootstrap-server", bootstrap, "--topic", TOPIC,
                   "--key-separator", ":", "--acks", "all", "--linger-ms", "5",
                   "--property", "max.in.flight.requests.per.connection=1",
                   "--property", "retry.backoff.ms=50", "--property", "retry.backoff.max.ms=400"]
        produced = test.run(["bash", "-c", 'set -o pipefail; /usr/bin/python3 -c "$0" | "$@"',
                             pacer, *produce], timeout=120)
        test.check(produced.returncode == 0,
                   f"brook produce delivered {KEYS * PER_KEY} records while leaders moved")
        # -c as well as -e: with leaders moving, kcat can miss the moment every partition is at
        # its end and wait on (seen once in a cold CI run); the count ends it regardless.
        read = test.run(["kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-o", "beginning", "-e",
                         "-c", str(KEYS * PER_KEY), "-q", "-f", "%k %s\n"], timeout=40).stdout.decode().split("\n")[:-1]
        check_order(test, read, "kcat")
        got = test.run([test.binary, "consume", "--bootstrap-server", bootstrap, "--topic", TOPIC,
                        "--from-beginning", "--max-messages", str(len(read)),
                        "--timeout-ms", "30000", "--format", "%k %s\n"],
                       timeout=90).stdout.decode().split("\n")[:-1]
        test.check(len(got) == len(read), f"brook consume read all {len(read)} records while "
                   "leaders moved", f"{len(got)} records")
        check_order(test, got, "brook consume")
    finally:
        stop_process(cluster)
        test.processes.remove(cluster)


if __name__ == "__main__":
    Test("cli_leader_moves", time_limit_s=180).main(body)
