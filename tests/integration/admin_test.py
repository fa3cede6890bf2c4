#!/usr/bin/python3
"""Topic administration through `brook serve` with the admin clients of confluent-kafka
(librdkafka 2.0.2) and kafka-python 2.0.2, and topic configs that survive a restart.

Checks, per client, each on its own topic:
  - CreateTopics with a partition count and a topic config; Metadata lists the partitions;
  - CreatePartitions grows the topic; Metadata agrees;
  - DescribeConfigs shows the config given at creation; AlterConfigs changes it;
  - after a SIGTERM restart the altered config and the partition count are still there;
  - DeleteTopics removes the topic; Metadata no longer lists it.
And confluent-kafka's idempotent producer (enable.idempotence: InitProducerId, sequence
numbers) gets 1,000 records acknowledged at offsets 0..999.

Usage: admin_test.py path/to/brook
"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import Test  # noqa: E402

from confluent_kafka import Producer  # noqa: E402
from confluent_kafka.admin import (AdminClient, ConfigResource, NewPartitions,  # noqa: E402
                                   NewTopic)
from kafka.admin import ConfigResource as KafkaConfigResource  # noqa: E402
from kafka.admin import ConfigResourceType, KafkaAdminClient  # noqa: E402
from kafka.admin import NewPartitions as KafkaNewPartitions  # noqa: E402
from kafka.admin import NewTopic as KafkaNewTopic  # noqa: E402

TIMEOUT_S = 15


class ConfluentAdmin:
    name = "confluent-kafka"

    def __init__(self, bootstrap):
        self.admin = AdminClient({"bootstrap.servers": bootstrap})

    def create(self, topic, partitions, configs):
        for future in self.admin.create_topics([NewTopic(topic, partitions, 1, config=configs)],
                                               request_timeout=TIMEOUT_S).values():
            future.result()

    def partitions(self, topic):
        topics = self.admin.list_topics(timeout=TIMEOUT_S).topics
        return len(topics[topic].partitions) if topic in topics and not topics[topic].error else None

    def grow(self, topic, count):
        for future in self.admin.create_partitions([NewPartitions(topic, count)],
                                                   request_timeout=TIMEOUT_S).values():
            future.result()

    def config(self, topic, key):
        futures = self.admin.describe_configs([ConfigResource("topic", topic)],
                                              request_timeout=TIMEOUT_S)
        entries = next(iter(futures.values())).result()
        return entries[key].value if key in entries else None

    def alter(self, topic, key, value):
        futures = self.admin.alter_configs([ConfigResource("topic", topic, set_config={key: value})],
                                           request_timeout=TIMEOUT_S)
        next(iter(futures.values())).result()

    def delete(self, topic):
        for future in self.admin.delete_topics([topic], request_timeout=TIMEOUT_S).values():
            future.result()

    def close(self):
        pass


class KafkaPythonAdmin:
    name = "kafka-python"

    def __init__(self, bootstrap):
        self.admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="brook-admin-test",
                                      request_timeout_ms=TIMEOUT_S * 1000)

    @staticmethod
    def _no_errors(response):
        errors = [entry for entry in getattr(response, "topic_errors", []) if entry[1] != 0]
        errors += [entry for entry in getattr(response, "topic_error_codes", []) if entry[1] != 0]
        errors += [entry for entry in getattr(response, "resources", []) if entry[0] != 0]
        if errors:
            raise RuntimeError(f"errors in {type(response).__name__}: {errors}")

    def create(self, topic, partitions, configs):
        self._no_errors(self.admin.create_topics(
            [KafkaNewTopic(topic, partitions, 1, topic_configs=configs)]))

    def partitions(self, topic):
        for entry in self.admin.describe_topics([topic]):
            if entry["topic"] == topic and entry["error_code"] == 0:
                return len(entry["partitions"])
        return None

    def grow(self, topic, count):
        self._no_errors(self.admin.create_partitions({topic: KafkaNewPartitions(count)}))

    def config(self, topic, key):
        for response in self.admin.describe_configs(
                [KafkaConfigResource(ConfigResourceType.TOPIC, topic)]):
            for resource in response.resources:
                for entry in resource[4]:
                    if entry[0] == key:
                        return entry[1]
        return None

    def alter(self, topic, key, value):
        self._no_errors(self.admin.alter_configs(
            [KafkaConfigResource(ConfigResourceType.TOPIC, topic, configs={key: value})]))

    def delete(self, topic):
        self._no_errors(self.admin.delete_topics([topic]))

    def close(self):
        self.admin.close()


def wait_for(predicate, timeout_s=10):
    """Metadata may lag a moment behind an admin call's reply (Kafka's does too)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def lifecycle(test, broker, client_class):
    topic = f"admin-{client_class.name}"
    client = client_class(broker.bootstrap)
    name = client_class.name
    try:
        client.create(topic, 2, {"retention.ms": "3600000"})
        test.check(wait_for(lambda: client.partitions(topic) == 2),
                   f"{name}: CreateTopics made {topic} with 2 partitions")
        client.grow(topic, 4)
        test.check(wait_for(lambda: client.partitions(topic) == 4),
                   f"{name}: CreatePartitions grew it to 4")
        test.check(client.config(topic, "retention.ms") == "3600000",
                   f"{name}: DescribeConfigs shows retention.ms=3600000 given at creation",
                   f"got {client.config(topic, 'retention.ms')!r}")
        client.alter(topic, "retention.ms", "7200000")
        test.check(client.config(topic, "retention.ms") == "7200000",
                   f"{name}: AlterConfigs set retention.ms=7200000")
    finally:
        client.close()

    if broker.persistent:
        broker.restart(signal.SIGTERM)
        client = client_class(broker.bootstrap)
        try:
            test.check(client.config(topic, "retention.ms") == "7200000"
                       and client.partitions(topic) == 4,
                       f"{name}: after a restart the topic still has 4 partitions and "
                       f"retention.ms=7200000")
        finally:
            client.close()

    client = client_class(broker.bootstrap)
    try:
        client.delete(topic)
        test.check(wait_for(lambda: client.partitions(topic) is None),
                   f"{name}: DeleteTopics removed {topic}")
    finally:
        client.close()


def idempotent_producer(test, broker):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "enable.idempotence": True,
                         "acks": "all", "linger.ms": 5})
    offsets, errors = [], []

    def report(error, message):
        (errors if error else offsets).append(error or message.offset())

    for index in range(1000):
        producer.produce("admin-idempotent", value=b"record %d" % index, partition=0,
                         on_delivery=report)
        producer.poll(0)
    remaining = producer.flush(30)
    test.check(remaining == 0 and not errors and offsets == list(range(1000)),
               "confluent-kafka idempotent producer (InitProducerId, sequences) got 1,000 "
               "records acknowledged at offsets 0..999",
               f"{remaining} pending, errors {errors[:2]}, offsets {offsets[:3]}...")


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})
    if broker.is_mock:
        test.skip("admin", "librdkafka's mock broker has no CreateTopics or DescribeConfigs")
        return
    test.part("confluent-kafka admin", lifecycle, test, broker, ConfluentAdmin)
    test.part("kafka-python admin", lifecycle, test, broker, KafkaPythonAdmin)
    test.part("idempotent producer", idempotent_producer, test, broker)


if __name__ == "__main__":
    Test("admin", time_limit_s=180).main(body)
