#!/usr/bin/python3
"""A broker restart between produce and consume loses nothing that was acknowledged.

Three cases, each on its own topic of the same `brook serve` (same port and data directory
across restarts):
  1. SIGTERM: confluent-kafka sends 5,000 records with acks=all; the broker is stopped with
     SIGTERM (it must exit 0: graceful shutdown), started again, and a consumer with manual
     assignment reads all 5,000 byte-identical; a produce after the restart continues at
     offset 5,000.
  2. SIGKILL after the producer finished: kcat sends 10,000 keyed records with acks=all and
     exits once all are acknowledged; kill -9; restart; kcat reads all 10,000 identical.
  3. SIGKILL in the middle of a stream: a confluent-kafka producer (acks=all, retries on) is
     sending 20,000 records when the broker is killed with kill -9, and restarted half a second
     later; the producer reconnects and carries on. Every record acknowledged before or after
     the kill must be in the log at the offset its acknowledgement named, byte-identical.
     (Records in flight at the kill may appear twice: without idempotence a retry of an
     unacknowledged batch that was in fact written is a duplicate, which Kafka allows.)

Usage: restart_test.py path/to/brook
"""

import os
import signal
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, TestFailure, first_difference, make_records  # noqa: E402
from confluent_kafka_test import consume, produce  # noqa: E402

from confluent_kafka import Producer  # noqa: E402

OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "true"}


def sigterm_case(test, broker):
    topic = "restart-sigterm"
    records = make_records(5_000, seed=zlib.crc32(topic.encode()), tag="term")
    reports = produce(broker.bootstrap, topic, "lz4", records)
    test.check(all(r and r[0] is None for r in reports),
               "SIGTERM: 5,000 records acknowledged (acks=all, lz4) before the stop")
    status = broker.restart(signal.SIGTERM)
    test.check(status == 0, "SIGTERM: broker shut down gracefully with exit status 0",
               f"exit status {status}")
    got = consume(broker.bootstrap, topic, len(records))
    difference = first_difference(records, got)
    test.check(difference is None, "SIGTERM: after the restart all 5,000 records read back "
               "byte-identical, in order", difference)
    more = make_records(10, seed=1, tag="after")
    reports = produce(broker.bootstrap, topic, "none", more)
    offsets = [offset for _, offset in reports]
    test.check(offsets == list(range(5_000, 5_010)),
               "SIGTERM: a produce after the restart continues at offset 5000", f"{offsets}")


def sigkill_after_kcat_case(test, broker):
    topic = "restart-sigkill-kcat"
    records = make_records(10_000, seed=zlib.crc32(topic.encode()), tag="kill",
                           delimiter_safe=True)
    lines = b"".join(r["key"] + b"\t" + r["value"] + b"\n" for r in records)
    test.run(["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-K", "\t",
              "-z", "zstd", "-X", "acks=all", "-X", "message.timeout.ms=30000"],
             timeout=60, input_bytes=lines)
    test.check(True, "SIGKILL: kcat -P exited after all 10,000 records were acknowledged")
    broker.restart(signal.SIGKILL)
    result = test.run(["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-p", "0",
                       "-o", "beginning", "-e", "-c", "10000", "-q", "-f", "%o\t%k\t%s\n"],
                      timeout=60)
    got = result.stdout.split(b"\n")[:-1]
    expected = [b"%d\t%s\t%s" % (i, r["key"], r["value"]) for i, r in enumerate(records)]
    mismatch = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), None)
    test.check(len(got) == len(expected) and mismatch is None,
               "SIGKILL: after kill -9 and restart kcat reads all 10,000 acknowledged records "
               "identical", f"read {len(got)}, first mismatch at {mismatch}")


def sigkill_mid_stream_case(test, broker):
    topic = "restart-sigkill-stream"
    total = 20_000
    records = make_records(total, seed=zlib.crc32(topic.encode()), tag="stream")
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all",
                         "linger.ms": 2, "batch.num.messages": 500, "retries": 1000000,
                         "retry.backoff.ms": 100, "message.timeout.ms": 60000,
                         "reconnect.backoff.max.ms": 200, "client.id": "brook-restart-test"})
    acknowledged = {}  # offset -> record index
    failed = []

    def report_for(index):
        def report(error, message):
            if error is None:
                acknowledged[message.offset()] = index
            else:
                failed.append((index, str(error)))
        return report

    # At most `window` records unacknowledged, so the kill lands while most of the stream is
    # still to be sent, whatever the machine's speed.
    window = 2_000
    killed_at = None
    for index, record in enumerate(records):
        deadline = time.monotonic() + 60
        while index - len(acknowledged) - len(failed) > window:
            producer.poll(0.01)
            if time.monotonic() > deadline:
                raise TestFailure(f"no acknowledgements for 60 s at record {index}")
        while True:
            try:
                producer.produce(topic, key=record["key"], value=record["value"],
                                 headers=record["headers"], partition=0,
                                 on_delivery=report_for(index))
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
        if killed_at is None and len(acknowledged) >= total // 4:
            killed_at = len(acknowledged)
            broker.stop(signal.SIGKILL)
            time.sleep(0.5)
            broker.start()
    remaining = producer.flush(90)
    test.check(killed_at is not None, f"SIGKILL mid-stream: kill -9 after {killed_at} of "
               f"{total} records were acknowledged, restart 0.5 s later")
    test.check(remaining == 0 and not failed,
               f"SIGKILL mid-stream: producer reconnected and all {total} records were "
               f"acknowledged in the end", f"{remaining} pending, {len(failed)} failed: "
               f"{failed[:2]}")
    log_end = max(acknowledged) + 1
    got = consume(broker.bootstrap, topic, log_end)
    log = {r["offset"]: r for r in got}
    missing = [offset for offset in acknowledged if offset not in log]
    wrong = [offset for offset, index in acknowledged.items() if offset in log
             and (log[offset]["key"], log[offset]["value"], log[offset]["headers"])
             != (records[index]["key"], records[index]["value"], records[index]["headers"])]
    test.check(not missing and not wrong,
               f"SIGKILL mid-stream: all {len(acknowledged)} acknowledged records are at their "
               f"acknowledged offsets, byte-identical (the log holds {len(got)}: the rest are "
               f"copies of records in flight at the kill, written but not acknowledged, resent)",
               f"{len(missing)} missing (first {sorted(missing)[:5]}), {len(wrong)} differ "
               f"(first {sorted(wrong)[:5]})")
    order = [acknowledged[offset] for offset in sorted(acknowledged)]
    test.check(order == sorted(order), "SIGKILL mid-stream: acknowledged records are in send "
               "order in the log")


def body(test):
    broker = test.broker(OVERRIDES)
    if not broker.persistent:
        test.skip("restart cases", "the librdkafka mock broker keeps nothing across a restart")
        return
    test.part("SIGTERM", sigterm_case, test, broker)
    test.part("SIGKILL after kcat", sigkill_after_kcat_case, test, broker)
    test.part("SIGKILL mid-stream", sigkill_mid_stream_case, test, broker)


if __name__ == "__main__":
    Test("restart", time_limit_s=240).main(body)
