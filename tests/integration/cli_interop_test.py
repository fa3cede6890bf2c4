#!/usr/bin/python3
"""`brook produce` and `brook consume` beside librdkafka (kcat, confluent-kafka) and
kafka-python, through a real `brook serve`.

Checks:
  - partitioning: 300 keys sent by `brook produce --key-separator :` and by
    `kcat -P -K: -X partitioner=murmur2_random` into one 6-partition topic land, key by key,
    on the same partition (read back with `kcat -C -f '%k %p\\n'`), and spread over all six;
  - per codec (none, gzip, snappy, lz4, zstd):
      brook -> others: `brook produce --compression CODEC --header ...` sends 2,000 keyed
      records; kcat reads keys, values and headers byte-identical and in order, kafka-python
      reads keys and values; a raw Fetch v4 shows batches in CODEC with valid CRCs;
      others -> brook: kcat `-z CODEC`, kafka-python and confluent-kafka with
      compression.type CODEC each send 1,000 keyed records with headers; `brook consume
      --format '%k\\t%s\\t%h\\n'` reads them byte-identical and in order.

Usage: cli_interop_test.py path/to/brook
"""

import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import CODECS, Test, check_batch_codecs, make_records  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

FROM_BROOK = 2_000
TO_BROOK = 1_000
KEYS = 300
PARTITIONS = 6
HEADERS = [("client", b"brook"), ("trace", b"a-b;c")]


def brook(test, broker, *args, input_bytes=None, timeout=60):
    return test.run([test.binary, *args, "--bootstrap-server", broker.bootstrap],
                    timeout=timeout, input_bytes=input_bytes)


def brook_read(test, broker, topic, count):
    """Records of partition 0 as (key, value, headers text) through `brook consume`."""
    result = brook(test, broker, "consume", "--topic", topic, "--partition", "0", "--offset",
                   "earliest", "--max-messages", str(count), "--timeout-ms", "15000",
                   "--format", "%k\\t%s\\t%h\\n")
    lines = result.stdout.split(b"\n")
    test.check(lines[-1] == b"" and len(lines) - 1 == count,
               f"brook consume read {count} records of {topic}", f"read {len(lines) - 1}")
    return [tuple(line.split(b"\t")) for line in lines[:-1]]


def headers_text(headers):
    return b",".join(name.encode() + b"=" + value for name, value in headers)


def check_partitioning(test, broker):
    topic = "keyed"
    brook(test, broker, "topics", "--create", "--topic", topic, "--partitions", str(PARTITIONS))
    keys = [f"customer-{index * 7919}" for index in range(KEYS)]
    brook(test, broker, "produce", "--topic", topic, "--key-separator", ":",
          input_bytes="".join(f"{key}:from brook\n" for key in keys).encode())
    test.run(["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-K", ":",
              "-X", "partitioner=murmur2_random", "-X", "acks=all"], timeout=60,
             input_bytes="".join(f"{key}:from kcat\n" for key in keys).encode())
    result = test.run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-o", "beginning",
                       "-e", "-q", "-f", "%k %p %s\n"], timeout=60)
    partition_of = {"brook": {}, "kcat": {}}
    for line in result.stdout.decode().split("\n"):
        if line:
            key, partition, _, source = line.split(" ")
            partition_of[source][key] = partition
    test.check(len(partition_of["brook"]) == KEYS and len(partition_of["kcat"]) == KEYS,
               f"kcat read {KEYS} keys from each producer",
               f"{len(partition_of['brook'])} from brook, {len(partition_of['kcat'])} from kcat")
    differing = [key for key in keys if partition_of["brook"][key] != partition_of["kcat"][key]]
    test.check(not differing, f"all {KEYS} keys land on the partition librdkafka's murmur2 "
               "partitioner picks", f"{len(differing)} differ, e.g. {differing[:3]}")
    used = set(partition_of["brook"].values())
    test.check(len(used) == PARTITIONS, f"the keys spread over all {PARTITIONS} partitions",
               repr(sorted(used)))


def from_brook(test, broker, codec):
    topic = f"from-brook-{codec}"
    records = make_records(FROM_BROOK, seed=zlib.crc32(topic.encode()), tag=codec,
                           delimiter_safe=True)
    lines = b"".join(r["key"] + b"\t" + r["value"] + b"\n" for r in records)
    command = ["produce", "--topic", topic, "--partition", "0", "--key-separator", "\t",
               "--compression", codec, "--acks", "all", "--linger-ms", "5"]
    for name, value in HEADERS:
        command += ["--header", f"{name}={value.decode()}"]
    brook(test, broker, *command, input_bytes=lines)
    test.check(True, f"{codec}: brook produce sent {FROM_BROOK} records")

    result = test.run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-o",
                       "beginning", "-e", "-q", "-f", "%k\t%s\t%h\t%o\n"], timeout=60)
    got = result.stdout.split(b"\n")[:-1]
    want = [b"\t".join((r["key"], r["value"], headers_text(HEADERS), str(i).encode()))
            for i, r in enumerate(records)]
    mismatch = next((i for i, (a, b) in enumerate(zip(want, got)) if a != b), None)
    test.check(len(got) == len(want) and mismatch is None,
               f"{codec}: kcat reads brook's keys, values and headers byte-identical, in order",
               f"{len(got)} read; first difference at {mismatch}")

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                             enable_auto_commit=False, fetch_max_wait_ms=200)
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        seen = []
        while len(seen) < FROM_BROOK:
            batch = consumer.poll(timeout_ms=10000)
            if not batch:
                break
            for messages in batch.values():
                seen += [(m.key, m.value, list(m.headers)) for m in messages]
    finally:
        consumer.close()
    want = [(r["key"], r["value"], HEADERS) for r in records]
    test.check(seen == want, f"{codec}: kafka-python reads brook's records identically",
               f"{len(seen)} read")
    check_batch_codecs(test, broker.bootstrap, topic, codec)


def to_brook(test, broker, codec):
    records = make_records(TO_BROOK, seed=zlib.crc32(codec.encode()), tag=codec,
                           delimiter_safe=True)
    want = [(r["key"], r["value"], headers_text(HEADERS)) for r in records]

    topic = f"kcat-to-brook-{codec}"
    produce = ["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-K", "\t", "-z",
               codec, "-X", "acks=all"]
    for name, value in HEADERS:
        produce += ["-H", f"{name}={value.decode()}"]
    test.run(produce, timeout=60,
             input_bytes=b"".join(r["key"] + b"\t" + r["value"] + b"\n" for r in records))
    test.check(brook_read(test, broker, topic, TO_BROOK) == want,
               f"{codec}: brook consume reads kcat's records identically")

    topic = f"python-to-brook-{codec}"
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                             compression_type=None if codec == "none" else codec, linger_ms=5)
    try:
        for r in records:
            producer.send(topic, key=r["key"], value=r["value"], headers=HEADERS, partition=0)
        producer.flush(timeout=60)
    finally:
        producer.close(timeout=10)
    test.check(brook_read(test, broker, topic, TO_BROOK) == want,
               f"{codec}: brook consume reads kafka-python's records identically")

    topic = f"confluent-to-brook-{codec}"
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "compression.type": codec, "linger.ms": 5})
    errors = []
    for r in records:
        producer.produce(topic, key=r["key"], value=r["value"], headers=HEADERS, partition=0,
                         on_delivery=lambda error, _: error and errors.append(error))
        producer.poll(0)
    remaining = producer.flush(60)
    test.check(remaining == 0 and not errors, f"{codec}: confluent-kafka delivered",
               f"{remaining} left, errors {errors[:3]}")
    test.check(brook_read(test, broker, topic, TO_BROOK) == want,
               f"{codec}: brook consume reads confluent-kafka's records identically")


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})
    test.part("partitioning", check_partitioning, test, broker)
    for codec in CODECS:
        test.part(f"from brook, {codec}", from_brook, test, broker, codec)
        test.part(f"to brook, {codec}", to_brook, test, broker, codec)


if __name__ == "__main__":
    Test("cli_interop", time_limit_s=300).main(body)
