#!/usr/bin/python3
"""Consumer groups with librdkafka's kcat (-G, the balanced consumer) and KafkaJS's group
consumer through `brook serve`.

Checks:
  - `kcat -G` reads every record of a 3-partition topic as the only member of its group, and
    a second run of the same group reads only what was produced since (offsets committed);
  - KafkaJS (node/kafkajs_group.js) reads every record in a group, and a second run resumes at
    the committed offsets: it reads exactly the records produced since.

Usage: group_clients_test.py path/to/brook
"""

import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import NODE_DIR, Test  # noqa: E402

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


def body(test):
    broker = test.broker({"group.initial.rebalance.delay.ms": "0",
                          "offsets.topic.num.partitions": "4", "num.partitions": "3"})
    test.part("kcat -G", kcat, test, broker)
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        test.skip("KafkaJS group", "node or tests/integration/node/node_modules/kafkajs missing")
        return
    test.part("KafkaJS group", kafkajs, test, broker, node)


if __name__ == "__main__":
    Test("group-clients", time_limit_s=120).main(body)
