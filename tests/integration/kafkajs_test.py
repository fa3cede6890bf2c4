#!/usr/bin/python3
"""KafkaJS 2.2.4 (node, from tests/integration/node, installed there by tools/setup.sh) through
`brook serve`.

Per codec (none, gzip built in; snappy, lz4, zstd through the pure-JS codecs that
node/codecs.js registers), on its own one-partition topic:
  - the KafkaJS producer sends 5,000 keyed records with per-record headers, acks=-1, in sends
    of 500 (one Produce request and one compressed batch each), all acknowledged;
  - KafkaJS reads them back byte-identical and in order at offsets 0..4999. Its consumer needs
    a consumer group, which Brook serves only from issue 6 on, so node/kafkajs_client.js reads
    through the layer beneath the group consumer: KafkaJS's Cluster (Metadata, ListOffsets v3)
    and Broker.fetch (Fetch v11, batches decoded and decompressed by KafkaJS);
  - kcat (librdkafka, a different protocol implementation) reads the same keys and values at
    the same offsets, so what KafkaJS wrote is readable by other clients, codec and all;
  - a raw Fetch v4 shows the stored batches carry the codec, with valid CRCs.

Usage: kafkajs_test.py path/to/brook
"""

import os
import shutil
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import (CODECS, NODE_DIR, Test, TestFailure, check_batch_codecs,  # noqa: E402
                           first_difference, make_records, records_from_jsonl, records_to_jsonl)

RECORDS = 5_000
CLIENT = os.path.join(NODE_DIR, "kafkajs_client.js")


def read_with_kcat(test, bootstrap, topic, count):
    """(offset, key, value) as kcat sees them. Values hold any byte, so kcat prints each
    record's key and value lengths first (%K, %S) and the parser takes exactly that many bytes.
    """
    result = test.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o", "beginning",
                       "-e", "-c", str(count), "-q", "-f", "%o %K %S:%k%s"], timeout=60)
    output, position, got = result.stdout, 0, []
    while position < len(output):
        colon = output.index(b":", position)
        offset, key_length, value_length = map(int, output[position:colon].split(b" "))
        key_start = colon + 1
        value_start = key_start + key_length
        got.append((offset, output[key_start:value_start],
                    output[value_start:value_start + value_length]))
        position = value_start + value_length
    return got


def check_codec(test, broker, node, codec):
    topic = f"kafkajs-{codec}"
    records = make_records(RECORDS, seed=zlib.crc32(topic.encode()), tag=codec)
    sent = test.temp_path(f"{topic}.sent.jsonl")
    received = test.temp_path(f"{topic}.received.jsonl")
    records_to_jsonl(records, sent)
    result = test.run([node, CLIENT, "produce", broker.bootstrap, topic, codec, sent],
                      timeout=90)
    test.check(f'"produced":{RECORDS}'.encode() in result.stdout,
               f"{codec}: KafkaJS producer (acks=-1) got every send of {RECORDS} records "
               f"acknowledged", result.stdout.decode(errors="replace"))
    test.run([node, CLIENT, "consume", broker.bootstrap, topic, "0", str(RECORDS), received],
             timeout=90)
    got = records_from_jsonl(received)
    difference = first_difference(records, got)
    test.check(difference is None and [r["offset"] for r in got] == list(range(RECORDS)),
               f"{codec}: KafkaJS Cluster + Broker.fetch (no group) read {RECORDS} records "
               f"byte-identical, in order", difference or "offsets not 0..n-1")

    seen_by_kcat = read_with_kcat(test, broker.bootstrap, topic, RECORDS)
    mismatches = [index for index, (record, seen) in enumerate(zip(records, seen_by_kcat))
                  if seen != (index, record["key"], record["value"])]
    test.check(len(seen_by_kcat) == RECORDS and not mismatches,
               f"{codec}: kcat reads the same keys and values at the same offsets",
               f"{len(seen_by_kcat)} read, first mismatch at {mismatches[:1]}")
    check_batch_codecs(test, broker.bootstrap, topic, codec)


def body(test):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        raise TestFailure("node or tests/integration/node/node_modules missing: run tools/setup.sh")
    test.log("node " + test.run([node, "--version"], timeout=10).stdout.decode().strip())
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})
    for codec in CODECS:
        test.part(codec, check_codec, test, broker, node, codec)

if __name__ == "__main__":
    Test("kafkajs", time_limit_s=240).main(body)
