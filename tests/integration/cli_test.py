#!/usr/bin/python3
"""The `brook` command line's client subcommands against a real `brook serve`.

Checks:
  - topics: --create with partitions and a config, a second --create fails naming the broker,
    the topic and TOPIC_ALREADY_EXISTS; --list; --describe (partition lines, leader, replicas,
    isr, the non-default config); --alter --partitions grows it; --delete removes it; an
    unknown topic's --describe fails with UNKNOWN_TOPIC_OR_PARTITION;
  - configs: --describe shows the topic's override; --alter --add-config k=v,k=v and
    --delete-config change it; a bad key fails naming the topic;
  - produce / consume round trips: keys split at --key-separator, values with spaces, empty
    lines (an empty value, like kafka-console-producer), a line without the separator (a
    failed record: its line is reported and the exit status is 1, the others are sent),
    10,000 records across partitions, --max-messages, --partition/--offset, --format, each
    --acks mode;
  - produce to a partition that does not exist fails with a message per record and status 1;
  - a line written to a produce whose stdin stays open is sent (after linger.ms, not at EOF);
  - a running consume rides out a broker restart;
  - usage errors exit 2 and `--help` exits 0, for every client subcommand.

Usage: cli_test.py path/to/brook
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, stop_process  # noqa: E402
from brook_harness import _die_with_test as die_with_test  # noqa: E402

CLIENT_COMMANDS = ("topics", "produce", "consume", "groups", "configs")


class Cli:
    """Runs `brook SUBCOMMAND --bootstrap-server ... ARGS` through the test's run()."""

    def __init__(self, test, broker):
        self.test = test
        self.broker = broker

    def __call__(self, subcommand, *args, input_bytes=None, check=True, timeout=30):
        command = [self.test.binary, subcommand, "--bootstrap-server", self.broker.bootstrap,
                   *args]
        return self.test.run(command, timeout=timeout, input_bytes=input_bytes, check=check)

    def consume(self, topic, *args, count, timeout=30):
        result = self("consume", "--topic", topic, "--max-messages", str(count),
                      "--timeout-ms", "10000", *args, timeout=timeout)
        return result.stdout


def check_topics(test, cli, broker):
    cli("topics", "--create", "--topic", "orders", "--partitions", "3",
        "--replication-factor", "1", "--config", "retention.ms=123456789",
        "--config", "cleanup.policy=delete")
    test.check(True, "topics --create orders with 3 partitions and two configs")

    again = cli("topics", "--create", "--topic", "orders", "--partitions", "3", check=False)
    message = again.stderr.decode()
    test.check(again.returncode == 1 and "TOPIC_ALREADY_EXISTS" in message
               and "orders" in message and str(broker.port) in message,
               "a second --create fails naming the broker, the topic and TOPIC_ALREADY_EXISTS",
               f"status {again.returncode}, stderr {message!r}")

    cli("topics", "--create", "--topic", "other", "--partitions", "1")
    listed = cli("topics", "--list").stdout.decode().split("\n")
    test.check(listed == ["orders", "other", ""], "topics --list prints every topic, sorted",
               repr(listed))

    described = cli("topics", "--describe", "--topic", "orders").stdout.decode()
    lines = described.strip("\n").split("\n")
    header = lines[0].split("\t")
    test.check(header[:3] == ["Topic: orders", "PartitionCount: 3", "ReplicationFactor: 1"]
               and "retention.ms=123456789" in header[3],
               "topics --describe: the topic line with count, replication and its override",
               repr(lines[0]))
    partitions = [line.strip().split("\t") for line in lines[1:]]
    test.check(len(partitions) == 3 and all(
        fields[0] == "Topic: orders" and fields[1] == f"Partition: {index}"
        and fields[2].startswith("Leader: ") and fields[3].startswith("Replicas: ")
        and fields[4].startswith("Isr: ") for index, fields in enumerate(partitions)),
        "topics --describe: one line per partition with leader, replicas and isr", described)

    everything = cli("topics", "--describe").stdout.decode()
    test.check("Topic: orders\t" in everything and "Topic: other\t" in everything,
               "topics --describe without --topic describes every topic", everything)

    cli("topics", "--alter", "--topic", "orders", "--partitions", "5")
    described = cli("topics", "--describe", "--topic", "orders").stdout.decode()
    test.check("PartitionCount: 5" in described and "Partition: 4" in described,
               "topics --alter --partitions 5 grows the topic", described)

    cli("topics", "--delete", "--topic", "other")
    listed = cli("topics", "--list").stdout.decode().split()
    test.check("other" not in listed, "topics --delete removes the topic", repr(listed))

    missing = cli("topics", "--describe", "--topic", "absent", check=False)
    message = missing.stderr.decode()
    test.check(missing.returncode == 1 and "absent" in message
               and "UNKNOWN_TOPIC_OR_PARTITION" in message,
               "describing an unknown topic fails naming it and the Kafka error", message)


def config_lines(cli, topic, *extra):
    text = cli("configs", "--describe", "--topic", topic, *extra).stdout.decode()
    return {line.strip() for line in text.split("\n")[1:] if line.strip()}, text


def check_configs(test, cli):
    cli("topics", "--create", "--topic", "configured", "--partitions", "1",
        "--config", "retention.ms=5000")
    lines, text = config_lines(cli, "configured")
    test.check(lines == {"retention.ms=5000"},
               "configs --describe shows the topic's override only", text)

    cli("configs", "--alter", "--topic", "configured",
        "--add-config", "retention.ms=7000,cleanup.policy=compact")
    lines, text = config_lines(cli, "configured")
    test.check(lines == {"retention.ms=7000", "cleanup.policy=compact"},
               "configs --alter --add-config sets two keys at once", text)

    cli("configs", "--alter", "--topic", "configured", "--delete-config", "retention.ms")
    lines, text = config_lines(cli, "configured")
    test.check(lines == {"cleanup.policy=compact"},
               "configs --alter --delete-config returns a key to its default", text)

    all_lines, text = config_lines(cli, "configured", "--all")
    test.check(any(line.startswith("retention.ms=") for line in all_lines)
               and len(all_lines) > 3, "configs --describe --all lists the defaults too", text)

    bad = cli("configs", "--alter", "--topic", "configured", "--add-config",
              "no.such.key=1", check=False)
    message = bad.stderr.decode()
    test.check(bad.returncode == 1 and "configured" in message and "INVALID" in message,
               "an unknown config key fails naming the topic and the Kafka error", message)


def check_round_trips(test, cli):
    cli("topics", "--create", "--topic", "lines", "--partitions", "1")
    text = (b"k1:plain value\n"
            b"k2:value with  spaces and: a colon\n"
            b"k3:\n"            # an empty value
            b"\n"               # no separator at all: a failed record
            b":no key\n"        # an empty key
            b"k6:last line without a newline")
    produced = cli("produce", "--topic", "lines", "--key-separator", ":", input_bytes=text,
                   check=False)
    message = produced.stderr.decode()
    test.check(produced.returncode == 1 and "line 4" in message and "separator" in message,
               "produce reports the line without a key separator and exits 1", message)

    got = cli.consume("lines", "--from-beginning", "--format", "%K|%k|%s|%p|%o\\n", count=5)
    want = (b"2|k1|plain value|0|0\n"
            b"2|k2|value with  spaces and: a colon|0|1\n"
            b"2|k3||0|2\n"
            b"0||no key|0|3\n"
            b"2|k6|last line without a newline|0|4\n")
    test.check(got == want, "keys split at the first separator; spaces, empty values and an "
               "unterminated last line round-trip", f"got {got!r}")

    cli("topics", "--create", "--topic", "plain", "--partitions", "1")
    cli("produce", "--topic", "plain", input_bytes=b"first\n\nthird line\n")
    got = cli.consume("plain", "--from-beginning", "--format", "[%s] key length %K\\n", count=3)
    test.check(got == b"[first] key length -1\n[] key length -1\n[third line] key length -1\n",
               "without --key-separator the line is the value, the key null, an empty line "
               "an empty value", f"got {got!r}")
    got = cli.consume("plain", "--from-beginning", count=2)
    test.check(got == b"first\n\n", "the default format prints the value and a newline; "
               "--max-messages stops after that many", f"got {got!r}")
    got = cli.consume("plain", "--partition", "0", "--offset", "2", count=1)
    test.check(got == b"third line\n", "--partition 0 --offset 2 starts there", f"got {got!r}")

    count = 10_000
    cli("topics", "--create", "--topic", "many", "--partitions", "4")
    lines = b"".join(f"key-{i % 97}\tvalue {i} ".encode() + b"x" * (i % 50) + b"\n"
                     for i in range(count))
    cli("produce", "--topic", "many", "--key-separator", "\t", "--acks", "all",
        "--linger-ms", "5", "--batch-size", "65536", input_bytes=lines, timeout=60)
    got = cli.consume("many", "--from-beginning", "--format", "%p\t%o\t%k\t%s\n", count=count,
                      timeout=60)
    rows = [line.split(b"\t") for line in got.split(b"\n")[:-1]]
    by_key = {}
    for partition, offset, key, value in rows:
        by_key.setdefault(key, set()).add(partition)
    values = sorted(int(row[3].split(b" ")[1]) for row in rows)
    test.check(values == list(range(count)), f"{count} records across 4 partitions, each once",
               f"read {len(rows)}")
    test.check(all(len(partitions) == 1 for partitions in by_key.values())
               and len({p for ps in by_key.values() for p in ps}) == 4,
               "each key stays on one partition and all 4 partitions are used")
    per_partition = {}
    for partition, offset, key, value in rows:
        per_partition.setdefault(partition, []).append(int(offset))
    test.check(all(offsets == list(range(len(offsets))) for offsets in per_partition.values()),
               "each partition's records come in offset order from 0")

    cli("topics", "--create", "--topic", "acks", "--partitions", "2")
    for acks, first in (("0", 0), ("1", 100), ("all", 200)):
        cli("produce", "--topic", "acks", "--acks", acks,
            input_bytes=b"".join(f"{i}\n".encode() for i in range(first, first + 100)))
    got = cli.consume("acks", "--from-beginning", count=300).split(b"\n")[:-1]
    test.check(sorted(int(value) for value in got) == list(range(300)),
               "--acks 0, 1 and all each deliver their 100 records")

    failed = cli("produce", "--topic", "plain", "--partition", "7",
                 input_bytes=b"a\nb\n", check=False)
    message = failed.stderr.decode()
    test.check(failed.returncode == 1 and "plain" in message and message.count("\n") >= 2,
               "records for a partition that does not exist fail, one message each, status 1",
               message)


def check_open_stdin(test, cli, broker):
    """A line goes out after linger.ms while stdin stays open, as at a terminal."""
    cli("topics", "--create", "--topic", "typed", "--partitions", "1")
    producer = subprocess.Popen([test.binary, "produce", "--bootstrap-server", broker.bootstrap,
                                 "--topic", "typed"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=die_with_test)
    test.processes.append(producer)
    try:
        producer.stdin.write(b"typed at a terminal\n")
        producer.stdin.flush()
        got = cli.consume("typed", "--from-beginning", count=1)
        test.check(got == b"typed at a terminal\n" and producer.poll() is None,
                   "a line is sent while stdin stays open", f"got {got!r}")
        producer.stdin.write(b"second\n")
        producer.stdin.close()
        test.check(producer.wait(timeout=20) == 0, "produce exits 0 at the end of input")
    finally:
        stop_process(producer)
        test.processes.remove(producer)
    got = cli.consume("typed", "--from-beginning", count=2)
    test.check(got == b"typed at a terminal\nsecond\n", "both lines were sent", f"got {got!r}")


def check_restart(test, cli, broker):
    """A running consume rides out a broker restart and prints what comes after it."""
    cli("topics", "--create", "--topic", "restarts", "--partitions", "1")
    cli("produce", "--topic", "restarts", input_bytes=b"before\n")
    consumer = subprocess.Popen([test.binary, "consume", "--bootstrap-server", broker.bootstrap,
                                 "--topic", "restarts", "--from-beginning", "--max-messages", "2",
                                 "--timeout-ms", "20000"], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=die_with_test)
    test.processes.append(consumer)
    try:
        first = consumer.stdout.readline()  # the consumer is connected and reading
        broker.restart()
        cli("produce", "--topic", "restarts", input_bytes=b"after\n")
        stdout, stderr = consumer.communicate(timeout=40)
        test.check(consumer.returncode == 0 and first + stdout == b"before\nafter\n",
                   "consume rides out a broker restart", f"status {consumer.returncode}, "
                   f"stdout {first + stdout!r}, stderr {stderr.decode(errors='replace')[-500:]}")
    finally:
        stop_process(consumer)
        test.processes.remove(consumer)


def check_usage(test):
    for name in CLIENT_COMMANDS:
        helped = test.run([test.binary, name, "--help"], timeout=10)
        test.check(b"--bootstrap-server" in helped.stdout, f"brook {name} --help documents "
                   "--bootstrap-server")
        wrong = test.run([test.binary, name, "--no-such-option"], timeout=10, check=False)
        test.check(wrong.returncode == 2 and b"--no-such-option" in wrong.stderr,
                   f"brook {name} with an unknown option exits 2 naming it")
    unreachable = test.run([test.binary, "topics", "--list", "--bootstrap-server",
                            "127.0.0.1:1", "--timeout-ms", "2000"], timeout=20, check=False)
    test.check(unreachable.returncode == 1 and b"127.0.0.1:1" in unreachable.stderr,
               "an unreachable broker fails naming it", unreachable.stderr.decode())


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "false"})
    cli = Cli(test, broker)
    test.part("usage", check_usage, test)
    test.part("topics", check_topics, test, cli, broker)
    test.part("configs", check_configs, test, cli)
    test.part("round trips", check_round_trips, test, cli)
    test.part("open stdin", check_open_stdin, test, cli, broker)
    test.part("restart", check_restart, test, cli, broker)


if __name__ == "__main__":
    Test("cli", time_limit_s=240).main(body)
