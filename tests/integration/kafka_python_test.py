#!/usr/bin/python3
"""kafka-python 2.0.2 (Debian's python3-kafka, /usr/bin/python3) through `brook serve`.

Checks:
  - version probing: with api_version left to auto-detection, the client sends ApiVersions v0
    plus Metadata v0 and infers a broker version from the advertised ranges; it must infer at
    least (0, 11), or it would write old message sets (magic 0/1) that Brook refuses;
  - per codec (none, gzip, snappy, lz4, zstd; the last three through python3-snappy,
    python3-lz4 and python3-zstandard): a KafkaProducer with acks=all sends 5,000 keyed records
    with per-record headers, every send acknowledged at offsets 0..4999;
  - a KafkaConsumer without a group (assign + seek_to_beginning) reads them back byte-identical
    and in order;
  - a raw Fetch v4 shows the stored batches carry the codec, with valid CRCs.

Usage: kafka_python_test.py path/to/brook
"""

import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import (CODECS, check_batch_codecs, Test, first_difference,  # noqa: E402
                           make_records)

import kafka  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.codec import has_lz4, has_snappy, has_zstd  # noqa: E402

RECORDS = 5_000
AVAILABLE = {"none": True, "gzip": True, "snappy": has_snappy(), "lz4": has_lz4(),
             "zstd": has_zstd()}
MISSING_MODULE = {"snappy": "python3-snappy", "lz4": "python3-lz4", "zstd": "python3-zstandard"}


def produce(test, broker, topic, codec, records):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                             compression_type=None if codec == "none" else codec,
                             linger_ms=5, batch_size=256 * 1024, request_timeout_ms=20000,
                             client_id="brook-kafka-python-test")
    try:
        futures = [producer.send(topic, key=r["key"], value=r["value"], headers=r["headers"],
                                 partition=0) for r in records]
        producer.flush(timeout=60)
        offsets = [future.get(timeout=30).offset for future in futures]
    finally:
        producer.close(timeout=10)
    test.check(offsets == list(range(len(records))),
               f"{codec}: KafkaProducer(acks=all) got {len(records)} acknowledgements at "
               f"offsets 0..{len(records) - 1}",
               f"first offsets {offsets[:5]}, last {offsets[-5:]}")


def consume(test, broker, topic, codec, count):
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None,
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             client_id="brook-kafka-python-test", fetch_max_wait_ms=200)
    got = []
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        consumer.seek_to_beginning(partition)
        empty_polls = 0
        while len(got) < count and empty_polls < 50:
            batch = consumer.poll(timeout_ms=200, max_records=5000).get(partition, [])
            empty_polls = 0 if batch else empty_polls + 1
            got += [{"offset": m.offset, "key": m.key, "value": m.value,
                     "headers": list(m.headers)} for m in batch]
    finally:
        consumer.close(autocommit=False)
    return got


def check_codec(test, broker, codec):
    topic = f"kafka-python-{codec}"
    records = make_records(RECORDS, seed=zlib.crc32(topic.encode()), tag=codec)
    produce(test, broker, topic, codec, records)
    got = consume(test, broker, topic, codec, len(records))
    difference = first_difference(records, got)
    test.check(difference is None and [r["offset"] for r in got] == list(range(len(records))),
               f"{codec}: assign + seek_to_beginning read {len(records)} records "
               f"byte-identical, in order", difference or "offsets not 0..n-1")
    check_batch_codecs(test, broker.bootstrap, topic, codec)


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})

    # Auto-detection: the probe the producer and consumer run at start (2 s budget).
    probe = kafka.KafkaClient(bootstrap_servers=broker.bootstrap, client_id="brook-probe")
    try:
        version = probe.check_version(timeout=5)
    finally:
        probe.close()
    test.check(version is not None and version >= (0, 11),
               f"api_version auto-detection infers {version} (>= (0, 11): magic-2 batches, "
               f"Produce v3+, Fetch v4+)", "Brook's ApiVersions v0 reply misses the probe points")

    for codec in CODECS:
        if not AVAILABLE[codec]:
            test.skip(f"kafka-python {codec}", f"Python module from {MISSING_MODULE[codec]} missing")
            continue
        test.part(codec, check_codec, test, broker, codec)

if __name__ == "__main__":
    Test("kafka-python", time_limit_s=240).main(body)
