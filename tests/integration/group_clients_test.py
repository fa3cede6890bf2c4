#!/usr/bin/python3
"""Consumer groups with librdkafka's kcat (-G, the balanced consumer) and KafkaJS's group
consumer through `brook serve`.

Checks:
  - `kcat -G` reads every record of a 3-partition topic as the only member of its group, and
    a second run of the same group reads only what was produced since (offsets committed);
  - KafkaJS (node/kafkajs_group.js) reads every record in a group, and a second run resumes at
    the committed offsets: it reads exactly the records produced since;
  - static membership (confluent-kafka, group.instance.id): a static member that restarts
    (close without LeaveGroup, then a new consumer with the same instance id) gets its old
    partitions back without the other member being rebalanced.

Usage: group_clients_test.py path/to/brook
"""

import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import NODE_DIR, Test, TestFailure  # noqa: E402

from confluent_kafka import Consumer  # noqa: E402

GROUP_CLIENT = os.path.join(NODE_DIR, "kafkajs_group.js")


def produce(test, broker, topic, tag, count):
    values = [f"{tag}-{i}" for i in range(count)]
    test.run(["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-X", "acks=all"],
             timeout=20, input_bytes=("\n".join(values) + "\n").encode())
    return values


def kcat_group(test, broker, group, topic):
    result = test.run(["kcat", "-b", broker.bootstrap, "-G", group, topic, "-e", "-q",
                       "-X", "auto.offset.reset=earliest", "-X", "session.timeout.ms=6000"],
                      timeout=30)
    return [line for line in result.stdout.decode().split("\n") if line]


def kcat(test, broker):
    test.run(["kcat", "-b", broker.bootstrap, "-L"], timeout=10)
    sent = produce(test, broker, "kcat-groups", "first", 90)
    got = kcat_group(test, broker, "kcat-group", "kcat-groups")
    test.check(sorted(got) == sorted(sent), "kcat -G reads all 90 records in its group",
               f"got {len(got)}")
    more = produce(test, broker, "kcat-groups", "second", 30)
    got = kcat_group(test, broker, "kcat-group", "kcat-groups")
    test.check(sorted(got) == sorted(more),
               "a second kcat -G of the group reads only the 30 new records (offsets committed)",
               f"got {len(got)}: {got[:3]}")


def kafkajs(test, broker, node):
    topic = "js-groups"
    sent = produce(test, broker, topic, "first", 60)

    def run(count):
        result = test.run([node, GROUP_CLIENT, broker.bootstrap, "js-group", topic, str(count)],
                          timeout=50)
        return json.loads(result.stdout.decode().strip().split("\n")[-1])

    first = run(60)
    test.check(sorted(first["values"]) == sorted(sent), "a KafkaJS group consumer reads all 60",
               f"consumed {first['consumed']}")
    more = produce(test, broker, topic, "second", 20)
    second = run(20)
    test.check(sorted(second["values"]) == sorted(more),
               "a second KafkaJS run of the group resumes at the committed offsets",
               f"read {second['values'][:3]}..., first offsets {second['first']}")


def static_member(broker, instance):
    return Consumer({"bootstrap.servers": broker.bootstrap, "group.id": "static",
                     "group.instance.id": instance, "session.timeout.ms": 10000,
                     "auto.offset.reset": "earliest", "client.id": "brook-static-test"})


def poll_until(test, consumers, condition, timeout_s, what):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for consumer in consumers:
            consumer.poll(0.1)
        if condition():
            test.log(f"ok: {what}")
            test.checks += 1
            return
    raise TestFailure(f"timed out after {timeout_s} s waiting for {what}")


def partitions_of(consumer):
    return sorted(tp.partition for tp in consumer.assignment())


def static_membership(test, broker):
    topic = "static-groups"
    produce(test, broker, topic, "static", 30)
    revoked = []
    b = static_member(broker, "b")
    b.subscribe([topic], on_revoke=lambda consumer, partitions: revoked.append(partitions))
    a = static_member(broker, "a")
    a.subscribe([topic])
    try:
        poll_until(test, [a, b], lambda: sorted(partitions_of(a) + partitions_of(b)) == [0, 1, 2]
                   and partitions_of(a) and partitions_of(b), 30,
                   "two static members share 3 partitions")
        before = partitions_of(a)
        revoked.clear()
        a.close()  # a static member leaves no LeaveGroup behind: its session keeps its place
        a = static_member(broker, "a")
        a.subscribe([topic])
        poll_until(test, [a, b], lambda: partitions_of(a) != [], 20,
                   "the restarted static member is assigned again")
        for _ in range(10):  # a rebalance of b would show within a few polls
            b.poll(0.1)
        test.check(partitions_of(a) == before and not revoked,
                   "it got its old partitions back, and the other member was not rebalanced",
                   f"before {before}, now {partitions_of(a)}, b revoked {revoked}")
    finally:
        a.close()
        b.close()


def body(test):
    broker = test.broker({"group.initial.rebalance.delay.ms": "0",
                          "offsets.topic.num.partitions": "4", "num.partitions": "3"})
    test.part("kcat -G", kcat, test, broker)
    test.part("static membership", static_membership, test, broker)
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        test.skip("KafkaJS group", "node or tests/integration/node/node_modules/kafkajs missing")
        return
    test.part("KafkaJS group", kafkajs, test, broker, node)


if __name__ == "__main__":
    Test("group-clients", time_limit_s=120).main(body)
