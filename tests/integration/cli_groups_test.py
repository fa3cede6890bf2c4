#!/usr/bin/python3
"""`brook consume --group` and `brook groups` against a real `brook serve` and its group
coordinator.

Checks:
  - `brook consume --group billing --from-beginning --max-messages 4` prints 4 of 10 records
    and commits them; a second run with the same group prints the other 6 and none of the
    first 4 (it resumes from the committed offsets);
  - `brook groups --list` lists billing and a group a confluent-kafka consumer joined;
  - `brook groups --describe --group billing` shows a row per partition whose committed offset
    equals the log end (lag 0); after 3 more records the lags add up to 3;
  - `brook groups --describe` of the confluent-kafka group shows its member (client id and
    its assigned partitions) while it is subscribed;
  - describing a group that does not exist fails naming it;
  - two `brook consume --group pair` processes running at once share the topic: each is a
    member with one of the two partitions, and together they print every record once.

Usage: cli_groups_test.py path/to/brook
"""

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test  # noqa: E402

from confluent_kafka import Consumer  # noqa: E402

TOPIC = "ledger"
PARTITIONS = 2


def brook(test, broker, *args, input_bytes=None, check=True, timeout=40):
    return test.run([test.binary, *args, "--bootstrap-server", broker.bootstrap],
                    timeout=timeout, input_bytes=input_bytes, check=check)


def describe_rows(test, broker, group):
    text = brook(test, broker, "groups", "--describe", "--group", group).stdout.decode()
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("GROUP"))
    columns = lines[header].split()
    rows = [dict(zip(columns, line.split())) for line in lines[header + 1:] if line.strip()]
    return rows, text


def check_resume_and_lag(test, broker):
    brook(test, broker, "topics", "--create", "--topic", TOPIC, "--partitions", str(PARTITIONS))
    brook(test, broker, "produce", "--topic", TOPIC, "--key-separator", ":",
          input_bytes=b"".join(f"k{i}:record {i}\n".encode() for i in range(10)))
    first = brook(test, broker, "consume", "--topic", TOPIC, "--group", "billing",
                  "--from-beginning", "--max-messages", "4", "--timeout-ms", "10000")
    first_values = first.stdout.decode().split("\n")[:-1]
    test.check(len(first_values) == 4, "consume --group billing --max-messages 4 prints 4",
               repr(first_values))
    second = brook(test, broker, "consume", "--topic", TOPIC, "--group", "billing",
                   "--from-beginning", "--max-messages", "6", "--timeout-ms", "10000")
    second_values = second.stdout.decode().split("\n")[:-1]
    test.check(sorted(first_values + second_values) == sorted(f"record {i}" for i in range(10)),
               "a second run of the group resumes after the committed records: 6 more, no "
               "repeats", f"first {first_values}, second {second_values}")

    groups = brook(test, broker, "groups", "--list").stdout.decode().split()
    test.check("billing" in groups, "groups --list shows billing", repr(groups))
    rows, text = describe_rows(test, broker, "billing")
    test.check(len(rows) == PARTITIONS and all(
        row["TOPIC"] == TOPIC and row["CURRENT-OFFSET"] == row["LOG-END-OFFSET"]
        and row["LAG"] == "0" for row in rows),
        "groups --describe: every partition committed up to its log end, lag 0", text)

    brook(test, broker, "produce", "--topic", TOPIC, "--key-separator", ":",
          input_bytes=b"a:x\nb:y\nc:z\n")
    rows, text = describe_rows(test, broker, "billing")
    test.check(sum(int(row["LAG"]) for row in rows) == 3,
               "after 3 more records the lags add up to 3", text)

    missing = brook(test, broker, "groups", "--describe", "--group", "nobody", check=False)
    message = missing.stderr.decode()
    test.check(missing.returncode == 1 and "nobody" in message and "does not exist" in message,
               "describing a group that does not exist fails naming it", message)


def check_member(test, broker):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "watchers",
                         "client.id": "brook-test-member", "auto.offset.reset": "earliest",
                         "session.timeout.ms": 10000})
    try:
        consumer.subscribe([TOPIC])
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(0.2)
        test.check(len(consumer.assignment()) == PARTITIONS,
                   "a confluent-kafka consumer joined watchers and got both partitions")
        groups = brook(test, broker, "groups", "--list").stdout.decode().split()
        test.check("watchers" in groups, "groups --list shows the joined group", repr(groups))
        rows, text = describe_rows(test, broker, "watchers")
        members = {row["CLIENT-ID"] for row in rows}
        partitions = sorted(row["PARTITION"] for row in rows if row["TOPIC"] == TOPIC)
        test.check(members == {"brook-test-member"} and partitions == ["0", "1"],
                   "groups --describe shows the member's client id and its two partitions", text)
    finally:
        consumer.close()


def check_shared_group(test, broker):
    command = [test.binary, "consume", "--topic", TOPIC, "--group", "pair", "--from-beginning",
               "--timeout-ms", "8000", "--format", "%p %s\n", "--bootstrap-server",
               broker.bootstrap]
    members = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True) for _ in range(2)]
    test.processes.extend(members)
    rows, text = [], ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        rows, text = describe_rows(test, broker, "pair")
        owners = {row["PARTITION"]: row["CONSUMER-ID"] for row in rows if row["TOPIC"] == TOPIC}
        if len(owners) == PARTITIONS and len(set(owners.values())) == 2:
            break
        time.sleep(0.3)
    owners = {row["PARTITION"]: row["CONSUMER-ID"] for row in rows if row["TOPIC"] == TOPIC}
    test.check(len(owners) == PARTITIONS and len(set(owners.values())) == 2,
               "two consume --group pair processes each own one partition", text)
    printed = []
    for member in members:
        out, _ = member.communicate(timeout=40)
        printed.append(out.decode().split("\n")[:-1])
    test.check(all(printed) and not set(printed[0]) & set(printed[1]),
               "each member printed records, none printed by both", repr(printed))
    total = sum(len(lines) for lines in printed)
    ends = brook(test, broker, "groups", "--describe", "--group", "pair").stdout.decode()
    test.check(total == 13, "together they printed all 13 records of the topic",
               f"{printed}\n{ends}")


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "false"})
    check_resume_and_lag(test, broker)
    test.part("member", check_member, test, broker)
    test.part("shared group", check_shared_group, test, broker)


if __name__ == "__main__":
    Test("cli_groups", time_limit_s=180).main(body)
