#!/usr/bin/python3
"""The `brook` client commands against a Kafka cluster that is not Brook: librdkafka's mock
cluster (three brokers, partition leaders spread over them), built from
rdkafka_mock_cluster.c beside this script.

Checks:
  - topics --list and --describe (partition leaders on more than one broker; each row with
    its leader, replicas and ISR in kafka-topics' layout);
  - 600 keyed records from `brook produce --compression zstd` reach the leaders of six
    partitions: kcat reads every key and value back, and each key sits on the partition
    librdkafka's murmur2_random partitioner picks for it (kcat -P sends the same keys);
  - `brook consume` reads all 600 across the three brokers;
  - `brook consume --group` commits to the mock's group coordinator: a second run resumes
    where the first stopped, with no record twice.

Usage: cli_mock_cluster_test.py path/to/brook
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, start_mock_cluster, stop_process  # noqa: E402

RECORDS = 600
TOPIC = "spread"
PARTITIONS = 6


def start_cluster(test):
    cluster, bootstrap = start_mock_cluster(test, ["3", f"{TOPIC}:{PARTITIONS}:3", "other:1:1"])
    test.check(bootstrap.count(",") == 2, f"librdkafka's mock cluster of 3 brokers at {bootstrap}")
    return cluster, bootstrap


def brook(test, bootstrap, *args, input_bytes=None, timeout=60):
    return test.run([test.binary, *args, "--bootstrap-server", bootstrap], timeout=timeout,
                    input_bytes=input_bytes)


def body(test):
    cluster, bootstrap = start_cluster(test)
    try:
        listed = brook(test, bootstrap, "topics", "--list").stdout.decode().split()
        test.check(listed == ["other", TOPIC], "topics --list", repr(listed))
        described = brook(test, bootstrap, "topics", "--describe", "--topic", TOPIC).stdout.decode()
        leaders = {line.split("\t")[3] for line in described.split("\n") if "Partition:" in line}
        test.check(described.count("Partition:") == PARTITIONS and len(leaders) > 1,
                   "topics --describe: six partitions, leaders on several brokers", described)
        rows = [dict(field.split(": ", 1) for field in line.strip().split("\t"))
                for line in described.split("\n") if "Partition:" in line]
        test.check(all(sorted(row["Replicas"].split(",")) == ["1", "2", "3"]
                       and sorted(row["Isr"].split(",")) == ["1", "2", "3"]
                       and row["Leader"] in row["Replicas"].split(",") for row in rows)
                   and "ReplicationFactor: 3" in described,
                   "topics --describe: each partition's leader, its three replicas and ISR, in "
                   "kafka-topics' layout", described)

        keys = [f"user-{i * 31}" for i in range(RECORDS)]
        brook(test, bootstrap, "produce", "--topic", TOPIC, "--key-separator", ":",
              "--compression", "zstd", "--acks", "all",
              input_bytes="".join(f"{key}:brook {i}\n" for i, key in enumerate(keys)).encode())
        test.run(["kcat", "-P", "-b", bootstrap, "-t", TOPIC, "-K", ":",
                  "-X", "partitioner=murmur2_random"], timeout=60,
                 input_bytes="".join(f"{key}:kcat {i}\n" for i, key in enumerate(keys)).encode())
        read = test.run(["kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-o", "beginning", "-e",
                         "-q", "-f", "%k %p %s\n"], timeout=60).stdout.decode()
        partition_of = {"brook": {}, "kcat": {}}
        values = set()
        for line in read.split("\n")[:-1]:
            key, partition, source, index = line.split(" ")
            partition_of[source][key] = partition
            values.add((key, f"{source} {index}"))
        want = {(key, f"{source} {i}") for i, key in enumerate(keys) for source in ("brook", "kcat")}
        test.check(values == want, f"kcat reads brook's {RECORDS} zstd records and its own")
        test.check(partition_of["brook"] == partition_of["kcat"],
                   "each key on the partition librdkafka's murmur2 partitioner picks")

        got = brook(test, bootstrap, "consume", "--topic", TOPIC, "--from-beginning",
                    "--max-messages", str(2 * RECORDS), "--timeout-ms", "10000",
                    "--format", "%k %s\n").stdout.decode().split("\n")[:-1]
        test.check({tuple(line.split(" ", 1)) for line in got} == want,
                   "brook consume reads every partition from the three brokers")

        # The mock's coordinator completes the second run's join only when the first member's
        # session has expired (it does not act on LeaveGroup v1 at once), so a short session.
        session = ["--property", "session.timeout.ms=6000"]
        first = brook(test, bootstrap, "consume", "--topic", TOPIC, "--group", "resumers",
                      "--from-beginning", "--max-messages", "500", "--timeout-ms", "10000",
                      *session).stdout.decode().split("\n")[:-1]
        second = brook(test, bootstrap, "consume", "--topic", TOPIC, "--group", "resumers",
                       "--from-beginning", "--max-messages", str(2 * RECORDS - 500),
                       "--timeout-ms", "15000", *session).stdout.decode().split("\n")[:-1]
        test.check(len(first) == 500 and sorted(first + second) ==
                   sorted(value for _, value in want),
                   "consume --group commits to the mock's coordinator and a second run resumes",
                   f"{len(first)} + {len(second)} records")
    finally:
        stop_process(cluster)
        test.processes.remove(cluster)


if __name__ == "__main__":
    Test("cli_mock_cluster", time_limit_s=180).main(body)
