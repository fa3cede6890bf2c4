#!/usr/bin/python3
"""Consumer groups with kafka-python 2.0.2 through `brook serve`.

Checks:
  - three consumers (separate processes, group_member.py) in one group share a 6-partition
    topic: every partition is owned by exactly one of them;
  - SIGKILL of one (no LeaveGroup: its session times out) moves its partitions to the other
    two, who then consume everything produced afterwards;
  - two groups each receive every record;
  - offsets committed before a broker crash (SIGKILL) are there after the restart, and a
    consumer of that group resumes exactly where the group committed.

Usage: kafka_python_groups_test.py path/to/brook
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test, TestFailure, _die_with_test, stop_process  # noqa: E402

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402
from kafka.structs import OffsetAndMetadata  # noqa: E402

MEMBER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "group_member.py")
PARTITIONS = 6


class Member:
    """A group_member.py process; a thread collects its JSON events."""

    def __init__(self, test, broker, group, topic, *extra):
        self.process = subprocess.Popen(
            ["/usr/bin/python3", MEMBER, broker.bootstrap, group, topic, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            start_new_session=True, preexec_fn=_die_with_test)
        test.processes.append(self.process)
        self.test = test
        self.events = queue.Queue()
        self.assigned = []
        self.values = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.events.put(json.loads(line))

    def update(self):
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            if "assigned" in event:
                self.assigned = event["assigned"]
            else:
                self.values.add(event["value"])

    def kill(self):
        stop_process(self.process, signal.SIGKILL)
        self.test.processes.remove(self.process)


def wait_until(test, condition, timeout_s, what, members=()):
    """Waits for condition (a check: it fails the part on timeout) and logs it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for member in members:
            member.update()
        if condition():
            test.log(f"ok: {what}")
            test.checks += 1
            return
        time.sleep(0.1)
    raise TestFailure(f"timed out after {timeout_s} s waiting for {what}")


def exclusive_cover(members):
    owned = [p for member in members for p in member.assigned]
    return sorted(owned) == list(range(PARTITIONS)) and all(m.assigned for m in members)


def produce(broker, topic, tag, count):
    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all",
                             client_id="brook-groups-test")
    values = [f"{tag}-{i}" for i in range(count)]
    futures = [producer.send(topic, value=v.encode(), partition=i % PARTITIONS)
               for i, v in enumerate(values)]
    producer.flush(timeout=30)
    for future in futures:
        future.get(timeout=10)
    producer.close(timeout=10)
    return set(values)


def three_members(test, broker, topic):
    sent = produce(broker, topic, "before", 60)
    members = [Member(test, broker, "three", topic) for _ in range(3)]
    wait_until(test, lambda: exclusive_cover(members), 40, "three members owning 6 partitions", members)
    test.check(all(len(m.assigned) == 2 for m in members),
               "three kafka-python consumers share 6 partitions, each owned by exactly one",
               f"{[m.assigned for m in members]}")
    wait_until(test, lambda: set().union(*(m.values for m in members)) >= sent, 30,
               "every record consumed by the group", members)
    victim, survivors = members[0], members[1:]
    moved = victim.assigned
    victim.kill()
    # The survivors learn of the rebalance from their heartbeats once the session timed out.
    wait_until(test, lambda: exclusive_cover(survivors), 30, "two survivors owning 6 partitions",
               survivors)
    test.check(all(p in survivors[0].assigned + survivors[1].assigned for p in moved),
               f"after SIGKILL of a member, its partitions {moved} moved to the other two",
               f"{[m.assigned for m in survivors]}")
    after = produce(broker, topic, "after", 60)
    wait_until(test, lambda: set().union(*(m.values for m in survivors)) >= after, 30,
               "the survivors consuming what came after", survivors)
    for member in survivors:
        member.kill()


def consume_all(broker, group, topic, expected, timeout_s=30):
    consumer = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             client_id="brook-groups-test", fetch_max_wait_ms=200)
    got = set()
    deadline = time.monotonic() + timeout_s
    try:
        while len(got) < expected and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=200).values():
                got.update(r.value.decode() for r in records)
        consumer.commit()
    finally:
        consumer.close()
    return got


def two_groups(test, broker, topic):
    sent = produce(broker, topic, "both", 30)
    for group in ("group-a", "group-b"):
        got = consume_all(broker, group, topic, 30)
        test.check(got == sent, f"{group} received every one of the 30 records",
                   f"missing {sorted(sent - got)[:5]}")


def resume_after_restart(test, broker, topic):
    produce(broker, topic, "resume", 60)
    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id="resumer",
                             enable_auto_commit=False, client_id="brook-groups-test")
    committed = {TopicPartition(topic, p): 3 + p for p in range(PARTITIONS)}
    consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in committed.items()})
    consumer.close()
    broker.restart(signal.SIGKILL)
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="brook-groups-test")
    deadline = time.monotonic() + 20
    stored = {}
    while time.monotonic() < deadline:
        try:
            stored = {tp: meta.offset
                      for tp, meta in admin.list_consumer_group_offsets("resumer").items()}
        except Exception:  # COORDINATOR_LOAD_IN_PROGRESS right after the start
            stored = {}
        if stored:
            break
        time.sleep(0.2)
    admin.close()
    test.check(stored == committed, "committed offsets survive a broker crash and restart",
               f"{stored}")
    # A group member resumes at the committed offsets: the first record of each partition it
    # reads sits exactly there.
    consumer = KafkaConsumer(topic, bootstrap_servers=broker.bootstrap, group_id="resumer",
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             client_id="brook-groups-test", fetch_max_wait_ms=200)
    first = {}
    deadline = time.monotonic() + 30
    try:
        while len(first) < PARTITIONS and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=200).items():
                first.setdefault(tp.partition, records[0].offset)
    finally:
        consumer.close()
    test.check(first == {tp.partition: offset for tp, offset in committed.items()},
               "a consumer of the group resumes where the group committed", f"{first}")


def body(test):
    broker = test.broker({"group.initial.rebalance.delay.ms": "0",
                          "offsets.topic.num.partitions": "5"})
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, client_id="brook-groups-test")
    for topic in ("shared", "fanout", "resume"):
        admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    admin.close()
    test.part("three members", three_members, test, broker, "shared")
    test.part("two groups", two_groups, test, broker, "fanout")
    test.part("resume after restart", resume_after_restart, test, broker, "resume")


if __name__ == "__main__":
    Test("kafka-python-groups", time_limit_s=120).main(body)
