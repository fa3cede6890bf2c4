#!/usr/bin/python3
"""confluent-kafka-python 1.7 (librdkafka 2.0.2, /usr/bin/python3) through `brook serve`.

Per codec (none, gzip, snappy, lz4, zstd), on its own one-partition topic:
  - a Producer with acks=all sends 10,000 keyed records with per-record headers; every delivery
    report is a success, at offsets 0..9999 in send order;
  - a Consumer with manual assignment (assign at OFFSET_BEGINNING, no subscribe, no commits)
    reads them back byte-identical and in order;
  - a raw Fetch v4 shows the stored batches carry the codec, with valid CRCs.

Usage: confluent_kafka_test.py path/to/brook
"""

import os
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import (CODECS, check_batch_codecs, Test, TestFailure,  # noqa: E402
                           first_difference, make_records)

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402

RECORDS = 10_000


def produce(bootstrap, topic, codec, records, timeout_s=60):
    """Sends records with acks=all; returns the delivery reports as (error, offset) in order."""
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all",
                         "compression.type": codec, "linger.ms": 5,
                         "message.timeout.ms": 30000, "client.id": "brook-confluent-test"})
    reports = [None] * len(records)

    def delivered(index):
        def report(error, message):
            reports[index] = (error, message.offset() if error is None else None)
        return report

    for index, record in enumerate(records):
        while True:
            try:
                producer.produce(topic, key=record["key"], value=record["value"],
                                 headers=record["headers"], partition=0,
                                 on_delivery=delivered(index))
                break
            except BufferError:  # local queue full: serve delivery reports, then retry
                producer.poll(0.05)
        producer.poll(0)
    remaining = producer.flush(timeout_s)
    if remaining:
        raise TestFailure(f"{remaining} records still unacknowledged after {timeout_s} s")
    return reports


def consume(bootstrap, topic, count, timeout_s=60):
    """Reads partition 0 from the beginning with manual assignment (no group membership)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "brook-unused-group",
                         "enable.auto.commit": False, "enable.auto.offset.store": False,
                         "client.id": "brook-confluent-test", "fetch.wait.max.ms": 200,
                         "enable.partition.eof": False})
    got = []
    try:
        consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        deadline = time.monotonic() + timeout_s
        while len(got) < count and time.monotonic() < deadline:
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                if message.error():
                    raise TestFailure(f"consumer error: {message.error()}")
                got.append({"offset": message.offset(), "key": message.key(),
                            "value": message.value(),
                            "headers": list(message.headers() or [])})
    finally:
        consumer.close()
    return got


def check_codec(test, broker, codec):
    topic = f"confluent-{codec}"
    records = make_records(RECORDS, seed=zlib.crc32(topic.encode()), tag=codec)
    reports = produce(broker.bootstrap, topic, codec, records)
    errors = [report for report in reports if report is None or report[0] is not None]
    test.check(not errors, f"{codec}: Producer(acks=all) delivered {len(records)} records",
               f"{len(errors)} failed, first: {errors[:1]}")
    offsets = [offset for _, offset in reports]
    test.check(offsets == list(range(len(records))),
               f"{codec}: delivery reports at offsets 0..{len(records) - 1} in send order",
               f"first {offsets[:5]}, last {offsets[-5:]}")
    got = consume(broker.bootstrap, topic, len(records))
    difference = first_difference(records, got)
    test.check(difference is None and [r["offset"] for r in got] == offsets,
               f"{codec}: assign(OFFSET_BEGINNING) read {len(records)} records "
               f"byte-identical, in order", difference or "offsets differ")
    check_batch_codecs(test, broker.bootstrap, topic, codec)


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})
    for codec in CODECS:
        test.part(codec, check_codec, test, broker, codec)

if __name__ == "__main__":
    Test("confluent-kafka", time_limit_s=240).main(body)
