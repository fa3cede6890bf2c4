#!/usr/bin/python3
"""kill -9 of a broker whose unsynced writes die with it (a power loss) loses no acknowledged
record, and the test can see a loss when there is one.

One `brook serve --unsafe-lose-unsynced-writes` (disk/lose_unsynced_disk.h: writes not covered
by an fsync live only in the process), two topics of one partition each:
  - `durable`, Brook's default flush.messages=1: every acknowledgement follows an fsync;
  - `acked-before-fsync`, flush.messages=1000000: acknowledged at once, never fsynced here. The
    positive control: a legitimate configuration that acknowledges before fsync.
confluent-kafka sends N records with acks=all to each and keeps each delivery report's offset;
once every record is acknowledged the broker is killed with SIGKILL and started again on the
same data directory. Then every acknowledged record of `durable` must be read back at its
acknowledged offset, byte-identical, in order; and `acked-before-fsync` must have lost
acknowledged records (the test fails if it lost none: the mode would prove nothing). First,
the same kill of a broker without the mode must keep that topic whole, which shows that the
loss is the mode's and that a plain kill -9 cannot show one.

Usage: power_loss_test.py path/to/brook
"""

import os
import signal
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, first_difference, make_records  # noqa: E402
from confluent_kafka_test import consume, produce  # noqa: E402

from confluent_kafka import Consumer, TopicPartition  # noqa: E402
from confluent_kafka.admin import AdminClient, NewTopic  # noqa: E402

RECORDS = 2_000
DURABLE = "durable"
ACKED_BEFORE_FSYNC = "acked-before-fsync"
MODE_WARNING = "UNSAFE TEST MODE --unsafe-lose-unsynced-writes"
OVERRIDES = {"num.partitions": 1, "auto.create.topics.enable": "false"}


def create_topics(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    topics = [NewTopic(DURABLE, 1, 1),
              NewTopic(ACKED_BEFORE_FSYNC, 1, 1, config={"flush.messages": "1000000"})]
    for future in admin.create_topics(topics, request_timeout=15).values():
        future.result()


def log_end(bootstrap, topic):
    """The partition's high watermark: what the broker recovered, all durable after a restart."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "brook-unused-group"})
    try:
        return consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=15)[1]
    finally:
        consumer.close()


def acknowledged(test, bootstrap, topic, records):
    """Produces records with acks=all; returns {offset: record} of those acknowledged."""
    reports = produce(bootstrap, topic, "none", records)
    by_offset = {offset: record for record, (error, offset) in zip(records, reports)
                 if error is None}
    test.check(len(by_offset) == len(records) and sorted(by_offset) == list(range(len(records))),
               f"{topic}: {len(records)} records acknowledged (acks=all) at offsets "
               f"0..{len(records) - 1}", f"{len(by_offset)} acknowledged")
    return by_offset


def without_the_mode(test):
    """The same kill of a broker in its normal mode keeps every acknowledged record, even those
    never fsynced: the kernel's page cache outlives the process. So the loss below is the
    mode's doing, and a plain kill -9 could not have shown it."""
    broker = test.broker(OVERRIDES)
    create_topics(broker.bootstrap)
    control = acknowledged(test, broker.bootstrap, ACKED_BEFORE_FSYNC,
                           make_records(RECORDS, seed=zlib.crc32(b"control"), tag="c"))
    broker.restart(signal.SIGKILL)
    end = log_end(broker.bootstrap, ACKED_BEFORE_FSYNC)
    test.check(end == len(control), f"without the mode: kill -9 kept all {len(control)} "
               f"acknowledged unsynced records of {ACKED_BEFORE_FSYNC}", f"log end {end}")
    broker.stop()


def body(test):
    without_the_mode(test)
    broker = test.broker(OVERRIDES, arguments=["--unsafe-lose-unsynced-writes"])
    with open(broker.log_path, errors="replace") as log:
        test.check(MODE_WARNING in log.read(), "the broker logs a warning for the unsafe mode")
    create_topics(broker.bootstrap)
    durable = acknowledged(test, broker.bootstrap, DURABLE,
                           make_records(RECORDS, seed=zlib.crc32(DURABLE.encode()), tag="d"))
    control = acknowledged(test, broker.bootstrap, ACKED_BEFORE_FSYNC,
                           make_records(RECORDS, seed=zlib.crc32(b"control"), tag="c"))

    broker.restart(signal.SIGKILL)
    test.log("killed with SIGKILL and restarted on the same data directory")

    end = log_end(broker.bootstrap, DURABLE)
    got = consume(broker.bootstrap, DURABLE, end, timeout_s=30)
    expected = [durable[offset] for offset in sorted(durable)]
    difference = first_difference(expected, got[:len(expected)])
    offsets = [record["offset"] for record in got[:len(expected)]]
    test.check(end >= len(expected) and difference is None
               and offsets == list(range(len(expected))),
               f"{DURABLE}: all {len(expected)} acknowledged records read back at their "
               f"acknowledged offsets, byte-identical, in order",
               difference or f"log end {end}, offsets read {offsets[:5]}...")

    end = log_end(broker.bootstrap, ACKED_BEFORE_FSYNC)
    survivors = consume(broker.bootstrap, ACKED_BEFORE_FSYNC, end, timeout_s=30) if end else []
    lost = len(control) - len(survivors)
    test.log(f"positive control: {lost} of {len(control)} acknowledged records lost "
             f"({len(survivors)} survived)")
    test.check(lost > 0, f"{ACKED_BEFORE_FSYNC} (flush.messages=1000000): the kill lost "
               f"acknowledged records ({lost} of {len(control)}), so the mode shows a loss "
               f"when there is one", "no acknowledged record was lost")
    kept = [control[offset] for offset in range(len(survivors))]
    test.check(first_difference(kept, survivors) is None,
               f"{ACKED_BEFORE_FSYNC}: what survived is an intact prefix of what was sent")


Test("power_loss", time_limit_s=60).main(body)
