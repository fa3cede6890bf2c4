#!/usr/bin/python3
"""Three `brook serve` processes on 127.0.0.1 as a KRaft cluster (tools/cluster/local_cluster.py:
combined broker + voter each, configs on free ports, formatted with `brook format`):

  1. `brook cluster quorum --bootstrap-controller` names a leader within a bound; --status and
     --replication show the three voters; --bootstrap-server (forwarded by a broker) agrees.
  2. Metadata (kcat -L -J) lists the three brokers. A topic of 6 partitions created through
     broker 2 (kafka-python admin) has leaders on all three; `brook topics --describe` shows
     leader, replicas and ISR per partition.
  3. kcat, kafka-python, confluent-kafka and KafkaJS each produce tagged records to every
     partition, then each reads the whole topic back: every partition, in order, from all four.
  4. kill -9 of the quorum leader: a survivor's DescribeQuorum names a new leader within a bound
     (the time is printed); CreateTopics through a surviving broker still works.
  5. The killed broker is fenced (gone from Metadata after the session timeout); the node
     restarts and rejoins: DescribeQuorum lists it caught up, Metadata lists it again.
  6. Unsafe recovery: two nodes killed for good, the third stopped, `brook cluster
     unsafe-reset-quorum` run on it and its controller.quorum.voters set to itself alone: it
     leads a quorum of one and still has both topics.

Usage: cluster_test.py path/to/brook
"""

import json
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tools", "cluster"))
from brook_harness import (NODE_DIR, TestFailure, Test, poll, records_to_jsonl,  # noqa: E402
                           records_from_jsonl)
from local_cluster import HOST, LocalCluster  # noqa: E402

TOPIC = "spread"
PARTITIONS = 6
PER_PARTITION = 20  # records per client and partition
ELECTION_BOUND_S = 15  # fetch timeout 2 s + election timeout 1-2 s, with room for a loaded host


def cli_quorum(test, cluster, *flags, via="--bootstrap-controller"):
    target = cluster.controllers if via == "--bootstrap-controller" else cluster.bootstrap
    result = test.run([test.binary, "cluster", "quorum", via, target, *flags], timeout=20,
                      check=False)
    return result.stdout.decode() if result.returncode == 0 else ""


def status_field(text, name):
    match = re.search(rf"^{name}:\s+(\S+)$", text, re.M)
    return match.group(1) if match else None


def metadata(test, bootstrap, topic=None):
    command = ["kcat", "-L", "-J", "-b", bootstrap, "-m", "5"]
    if topic:
        command += ["-t", topic]
    result = test.run(command, timeout=20, check=False)
    try:
        return json.loads(result.stdout) if result.returncode == 0 else None
    except json.JSONDecodeError:
        return None


def broker_ids(test, bootstrap, default):
    """The ids of the brokers Metadata lists, or default when Metadata does not answer."""
    listing = metadata(test, bootstrap)
    return {b["id"] for b in listing["brokers"]} if listing else default


def partition_leaders(listing, topic):
    for entry in (listing or {}).get("topics", []):
        if entry["topic"] == topic and not entry.get("error"):
            return {p["partition"]: p["leader"] for p in entry["partitions"]}
    return {}


def create_topic(bootstrap, name, partitions):
    """CreateTopics with kafka-python's admin client; True once the topic exists (created now,
    or by an earlier attempt whose answer was lost), False on any error, to be retried."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import KafkaError
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000,
                                 client_id="brook-cluster-test")
    except KafkaError:
        return False
    try:
        response = admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=10000)
        return all(error in (0, 36) for _, error, *_ in response.topic_errors)  # 36: exists
    except KafkaError:
        return False
    finally:
        admin.close()


def values_for(client, partition):
    return [f"{client}-p{partition}-{i:03d}".encode() for i in range(PER_PARTITION)]


# --- 1, 2 ----------------------------------------------------------------------------------

def check_quorum_cli(test, cluster):
    status = poll("a quorum leader in `brook cluster quorum --status`", 30,
                  lambda: (lambda text: text if status_field(text, "LeaderId") not in (None, "-1")
                           else None)(cli_quorum(test, cluster, "--status")))
    leader = int(status_field(status, "LeaderId"))
    test.check(leader in cluster.nodes and status_field(status, "CurrentVoters") == "[1,2,3]"
               and int(status_field(status, "LeaderEpoch")) > 0,
               f"brook cluster quorum --status: leader {leader}, voters [1,2,3]", status)
    replication = cli_quorum(test, cluster, "--replication")
    rows = [line.split() for line in replication.strip().splitlines()[1:]]
    test.check(len(rows) == 3 and rows[0][0] == str(leader) and rows[0][-1] == "Leader"
               and sorted(int(row[0]) for row in rows) == [1, 2, 3],
               "brook cluster quorum --replication: three voters, the leader first", replication)
    test.part("quorum via a broker", lambda: test.check(
        status_field(poll("DescribeQuorum forwarded by a broker", 10,
                          lambda: cli_quorum(test, cluster, "--status",
                                             via="--bootstrap-server")),
                     "LeaderId") == str(leader),
        "brook cluster quorum --bootstrap-server names the same leader"))
    return leader


def check_topic_spread(test, cluster):
    node2 = cluster.nodes[2].bootstrap
    listing = poll("Metadata listing 3 brokers", 30,
                   lambda: (lambda m: m if m and len(m["brokers"]) == 3 else None)(
                       metadata(test, node2)))
    test.check(sorted(b["id"] for b in listing["brokers"]) == [1, 2, 3],
               "Metadata (kcat -L) lists brokers 1, 2 and 3")
    test.check(poll("CreateTopics through broker 2", 20,
                    lambda: create_topic(node2, TOPIC, PARTITIONS), interval_s=0.5),
               f"kafka-python admin created {TOPIC} ({PARTITIONS} partitions) through broker 2")
    leaders = poll(f"leaders for all {PARTITIONS} partitions", 20,
                   lambda: (lambda l: l if len(l) == PARTITIONS and min(l.values()) >= 0
                            else None)(partition_leaders(metadata(test, node2, TOPIC), TOPIC)))
    test.check(set(leaders.values()) == {1, 2, 3},
               f"the partitions' leaders are on all three brokers: {leaders}")
    described = test.run([test.binary, "topics", "--describe", "--topic", TOPIC,
                          "--bootstrap-server", node2], timeout=20).stdout.decode()
    rows = re.findall(r"\tPartition: (\d+)\tLeader: (\d+)\tReplicas: (\d+)\tIsr: (\d+)",
                      described)
    test.check(len(rows) == PARTITIONS and all(
        leaders[int(p)] == int(leader) == int(replicas) == int(isr)
        for p, leader, replicas, isr in rows),
        "brook topics --describe shows each partition's leader, replicas and ISR", described)


# --- 3 -------------------------------------------------------------------------------------

def produce_kcat(test, cluster):
    for partition in range(PARTITIONS):
        test.run(["kcat", "-P", "-b", cluster.bootstrap, "-t", TOPIC, "-p", str(partition),
                  "-X", "acks=all"], timeout=30,
                 input_bytes=b"\n".join(values_for("kcat", partition)) + b"\n")


def produce_kafka_python(test, cluster):
    from kafka import KafkaProducer
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap, acks="all", retries=5,
                             max_in_flight_requests_per_connection=1)
    try:
        futures = [producer.send(TOPIC, value=value, partition=partition)
                   for partition in range(PARTITIONS)
                   for value in values_for("kafka-python", partition)]
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)


def produce_confluent(test, cluster):
    from confluent_kafka import Producer
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "acks": "all",
                         "enable.idempotence": False, "max.in.flight.requests.per.connection": 1})
    failures = []
    for partition in range(PARTITIONS):
        for value in values_for("confluent", partition):
            producer.produce(TOPIC, value=value, partition=partition,
                             on_delivery=lambda error, _: error and failures.append(error))
    remaining = producer.flush(30)
    if remaining or failures:
        raise TestFailure(f"confluent-kafka: {remaining} undelivered, errors {failures[:3]}")


def produce_kafkajs(test, cluster, node):
    records = [{"partition": partition, "key": None, "value": value, "headers": []}
               for partition in range(PARTITIONS) for value in values_for("kafkajs", partition)]
    path = test.temp_path("kafkajs-sent.jsonl")
    records_to_jsonl(records, path)
    # KafkaJS takes one bootstrap broker here (kafkajs_client.js); it finds the others.
    test.run([node, os.path.join(NODE_DIR, "kafkajs_client.js"), "produce",
              cluster.nodes[1].bootstrap, TOPIC, "none", path], timeout=60)


def consume_kcat(test, cluster, total):
    out = test.run(["kcat", "-C", "-b", cluster.bootstrap, "-t", TOPIC, "-e", "-q", "-o",
                    "beginning", "-f", "%p %s\n"], timeout=60).stdout
    got = {}
    for line in out.splitlines():
        partition, value = line.split(b" ", 1)
        got.setdefault(int(partition), []).append(value)
    return got


def consume_kafka_python(test, cluster, total):
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap, group_id=None,
                             enable_auto_commit=False, consumer_timeout_ms=1000)
    try:
        partitions = [TopicPartition(TOPIC, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        got, deadline = {}, time.monotonic() + 60
        while sum(map(len, got.values())) < total and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    got.setdefault(record.partition, []).append(record.value)
        return got
    finally:
        consumer.close()


def consume_confluent(test, cluster, total):
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
    consumer = Consumer({"bootstrap.servers": cluster.bootstrap, "group.id": "brook-unused",
                         "enable.auto.commit": False})
    try:
        consumer.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        got, deadline = {}, time.monotonic() + 60
        while sum(map(len, got.values())) < total and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                got.setdefault(message.partition(), []).append(message.value())
        return got
    finally:
        consumer.close()


def consume_kafkajs(test, cluster, total, node):
    got = {}
    for partition in range(PARTITIONS):
        path = test.temp_path(f"kafkajs-read-{partition}.jsonl")
        test.run([node, os.path.join(NODE_DIR, "kafkajs_client.js"), "consume",
                  cluster.nodes[1].bootstrap, TOPIC, str(partition), str(total // PARTITIONS),
                  path], timeout=60)
        got[partition] = [record["value"] for record in records_from_jsonl(path)]
    return got


def check_clients(test, cluster):
    node = shutil.which("node")
    if node is None or not os.path.isdir(os.path.join(NODE_DIR, "node_modules", "kafkajs")):
        raise TestFailure("node or tests/integration/node/node_modules missing: run tools/setup.sh")
    producers = [("kcat", produce_kcat), ("kafka-python", produce_kafka_python),
                 ("confluent", produce_confluent),
                 ("kafkajs", lambda t, c: produce_kafkajs(t, c, node))]
    for name, produce in producers:
        produce(test, cluster)
        test.check(True, f"{name} produced {PER_PARTITION} records to each of {PARTITIONS} "
                         "partitions, acknowledged")
    expected = {p: [v for name, _ in producers for v in values_for(name, p)]
                for p in range(PARTITIONS)}
    total = sum(map(len, expected.values()))
    consumers = [("kcat", consume_kcat), ("kafka-python", consume_kafka_python),
                 ("confluent", consume_confluent),
                 ("kafkajs", lambda t, c, n: consume_kafkajs(t, c, n, node))]
    for name, consume in consumers:
        def read_back(name=name, consume=consume):
            got = consume(test, cluster, total)
            wrong = [p for p in range(PARTITIONS) if got.get(p, []) != expected[p]]
            test.check(not wrong, f"{name} read all {total} records, each partition in order",
                       f"partitions {wrong} differ; e.g. got {got.get(wrong[0] if wrong else 0, [])[:3]}")
        test.part(f"{name} consume", read_back)


# --- 4, 5, 6 -------------------------------------------------------------------------------

def check_failover(test, cluster, leader):
    killed = cluster.nodes[leader]
    started = time.monotonic()
    killed.kill()
    new_leader = cluster.wait_for_leader(ELECTION_BOUND_S, exclude={leader})
    elapsed = time.monotonic() - started
    test.check(new_leader is not None, f"kill -9 of leader {leader}: node {new_leader} leads "
               f"after {elapsed * 1000:.0f} ms (bound {ELECTION_BOUND_S} s)")
    survivor = cluster.nodes[new_leader].bootstrap
    test.check(poll("CreateTopics through a surviving broker", 30,
                    lambda: create_topic(survivor, "after-failover", 3), interval_s=0.5),
               f"CreateTopics through broker {new_leader} works after the failover")
    test.check(poll("after-failover in Metadata", 20,
                    lambda: len(partition_leaders(metadata(test, survivor, "after-failover"),
                                                  "after-failover")) == 3),
               "the new topic is in Metadata with its 3 partitions")

    # Its broker stops heartbeating: the new controller fences it after the session timeout
    # (broker.session.timeout.ms, 9 s), and Metadata stops listing it.
    poll(f"broker {leader} fenced: gone from Metadata", 30,
         lambda: leader not in broker_ids(test, survivor, default={leader}))
    test.check(True, f"the killed broker {leader} is fenced: Metadata no longer lists it")

    killed.start()
    ends = poll(f"node {leader} caught up in DescribeQuorum", 30,
                lambda: cluster.caught_up(leader))
    test.check(True, f"restarted node {leader} rejoined: DescribeQuorum log ends {ends}")
    poll(f"broker {leader} back in Metadata", 30,
         lambda: leader in broker_ids(test, survivor, default=set()))
    test.check(True, f"Metadata lists broker {leader} again")
    replication = cli_quorum(test, cluster, "--replication")
    test.check(re.search(rf"^{leader}\s.*\sFollower$", replication, re.M) is not None,
               f"brook cluster quorum --replication shows node {leader} as a follower",
               replication)


def check_unsafe_recovery(test, cluster):
    survivor = cluster.nodes[min(cluster.nodes)]
    # All three go down at once; the survivor's files are what is left of the quorum.
    for node in cluster.nodes.values():
        node.kill()
    voters = f"{survivor.id}@{HOST}:{survivor.controller_port}"
    result = test.run([test.binary, "cluster", "unsafe-reset-quorum", "--config",
                       survivor.config_path, "--voters", voters], timeout=20)
    text = result.stdout.decode()
    test.check("UNSAFE" in text and "may be lost" in text and f"controller.quorum.voters={voters}"
               in text, "unsafe-reset-quorum says what may be lost and what to change", text)
    cluster.write_config(survivor, [survivor])
    survivor.start()
    test.check(poll(f"node {survivor.id} leading alone", 30,
                    lambda: cluster.leader() == survivor.id),
               f"node {survivor.id}, reset to voters [{survivor.id}], leads a quorum of one")
    listed = poll("the topics listed by the recovered node", 30,
                  lambda: (lambda r: r.stdout.decode() if r.returncode == 0 else None)(
                      test.run([test.binary, "topics", "--list", "--bootstrap-server",
                                survivor.bootstrap], timeout=20, check=False)))
    test.check(TOPIC in listed.split() and "after-failover" in listed.split(),
               "the recovered node still has both topics", listed)


def body(test):
    if "mock_broker" in os.path.basename(test.binary):
        test.skip("cluster", "the mock broker is not a KRaft cluster")
        return
    cluster = LocalCluster(test.binary, test.workdir, size=3)
    test.brokers.extend(cluster.nodes.values())  # the harness stops them and prints their logs
    cluster.format()
    cluster.start()
    test.log(f"three nodes up: {cluster.bootstrap} (controllers {cluster.controllers})")
    leader = check_quorum_cli(test, cluster)
    check_topic_spread(test, cluster)
    check_clients(test, cluster)
    check_failover(test, cluster, leader)
    check_unsafe_recovery(test, cluster)
    for node in cluster.nodes.values():
        node.kill()  # a node without its quorum would wait out its controlled shutdown


Test("cluster", time_limit_s=110).main(body)
