#!/usr/bin/python3
"""Captures the request frames real Kafka clients send, for tests/protocol/captured/.

    tools/codegen/capture_requests.py [--out tests/protocol/captured]
    tools/codegen/capture_requests.py --via-broker build/brook [--out ...] [--corpus ...]

Without --via-broker it runs a minimal fake broker on 127.0.0.1 (a random port) that records
every request frame and answers just enough for a client to proceed: ApiVersions, Metadata (one
topic, one partition, led by this broker), Produce, ListOffsets and Fetch (an empty partition).
Then it drives kcat (librdkafka 2.0.2) and kafka-python 2.0.2 against it.

With --via-broker it starts the real broker (`BROOK_BINARY serve` on a free port, a temporary
log directory) behind a recording proxy, advertises the proxy (advertised.listeners) so clients
come back through it, and drives confluent-kafka's AdminClient, kafka-python's
KafkaAdminClient, an idempotent confluent-kafka Producer, a kafka-python consumer and two group
consumers. Only (API, version) pairs that no file in --out holds yet are written, and each is
also copied as binary into --corpus (the protocol_request fuzz seeds).

Either way every client is bounded by `timeout`, and the first frame of each (client, API,
version) is written as <client>_<scenario>_<api>_v<version>.hex: the frame without its int32
size prefix, as hex. Debian's interpreter (/usr/bin/python3) is needed for kafka-python and
confluent-kafka. Only 127.0.0.1 is used; everything started here is stopped here.
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

TOPIC = "brook-capture"
API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 10: "find_coordinator",
             18: "api_versions", 19: "create_topics", 20: "delete_topics", 22: "init_producer_id",
             32: "describe_configs", 33: "alter_configs", 37: "create_partitions",
             44: "incremental_alter_configs", 60: "describe_cluster"}
# Advertised ranges, after the research notes' recommendation (all classic except ApiVersions 3).
ADVERTISED = {0: (3, 7), 1: (4, 11), 2: (1, 3), 3: (0, 4), 18: (0, 3)}


def i8(v):
    return struct.pack(">b", v)


def i16(v):
    return struct.pack(">h", v)


def i32(v):
    return struct.pack(">i", v)


def i64(v):
    return struct.pack(">q", v)


def string(s):
    if s is None:
        return i16(-1)
    data = s.encode()
    return i16(len(data)) + data


def array(items):
    return i32(len(items)) + b"".join(items)


def uvarint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7F) | 0x80])
        v >>= 7
    return out + bytes([v])


class FakeBroker:
    def __init__(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.frames = []  # (api key, version, frame bytes) in arrival order
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def stop(self):
        self.running = False
        self.listener.close()

    def accept_loop(self):
        while self.running:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(connection,), daemon=True).start()

    def serve(self, connection):
        connection.settimeout(30)
        try:
            while True:
                size = self.read_exactly(connection, 4)
                if size is None:
                    return
                frame = self.read_exactly(connection, struct.unpack(">i", size)[0])
                if frame is None:
                    return
                api_key, version, correlation_id = struct.unpack(">hhi", frame[:8])
                with self.lock:
                    self.frames.append((api_key, version, frame))
                response = self.respond(api_key, version, frame)
                if response is None:
                    continue
                # Response header v0 (no flexible versions are advertised except ApiVersions,
                # whose response header is always v0).
                body = i32(correlation_id) + response
                connection.sendall(i32(len(body)) + body)
        except OSError:
            return
        finally:
            connection.close()

    @staticmethod
    def read_exactly(connection, size):
        data = b""
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def respond(self, api_key, version, frame):
        if api_key == 18:
            return self.api_versions(version)
        if api_key == 3:
            return self.metadata(version)
        if api_key == 0:
            # Acks is the int16 after the transactional id (v3+); acks=0 gets no response.
            client_id_length = struct.unpack(">h", frame[8:10])[0]
            offset = 10 + max(client_id_length, 0)
            if version >= 3:
                txn_length = struct.unpack(">h", frame[offset:offset + 2])[0]
                offset += 2 + max(txn_length, 0)
            if struct.unpack(">h", frame[offset:offset + 2])[0] == 0:
                return None
            partition = i32(0) + i16(0) + i64(0)
            if version >= 2:
                partition += i64(-1)
            if version >= 5:
                partition += i64(0)
            return array([string(TOPIC) + array([partition])]) + i32(0)
        if api_key == 2:
            partition = i32(0) + i16(0) + i64(-1) + i64(0)
            body = i32(0) if version >= 2 else b""
            return body + array([string(TOPIC) + array([partition])])
        if api_key == 1:
            partition = i32(0) + i16(0) + i64(0) + i64(0) + i64(0) + array([])
            if version >= 11:
                partition += i32(-1)
            partition += i32(0)  # empty records
            body = i32(0)
            if version >= 7:
                body += i16(0) + i32(0)
            return body + array([string(TOPIC) + array([partition])])
        return None

    def api_versions(self, version):
        if version > 3:
            version = 0
        keys = sorted(ADVERTISED.items())
        if version >= 3:
            body = i16(0) + uvarint(len(keys) + 1)
            body += b"".join(i16(k) + i16(lo) + i16(hi) + b"\x00" for k, (lo, hi) in keys)
            return body + i32(0) + b"\x00"
        body = i16(0) + array([i16(k) + i16(lo) + i16(hi) for k, (lo, hi) in keys])
        return body + (i32(0) if version >= 1 else b"")

    def metadata(self, version):
        broker = i32(0) + string("127.0.0.1") + i32(self.port)
        if version >= 1:
            broker += string(None)
        body = i32(0) if version >= 3 else b""
        body += array([broker])
        if version >= 2:
            body += string("brook-capture-cluster")
        if version >= 1:
            body += i32(0)
        partition = i16(0) + i32(0) + i32(0)
        if version >= 7:
            partition += i32(0)
        partition += array([i32(0)]) + array([i32(0)])
        if version >= 5:
            partition += array([])
        topic = i16(0) + string(TOPIC)
        if version >= 1:
            topic += i8(0)
        topic += array([partition])
        return body + array([topic])


def run(command, stdin=None):
    print("capture:", " ".join(part.splitlines()[0] if "\n" in part else part
                               for part in command), file=sys.stderr)
    try:
        subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30, check=False)
    except subprocess.TimeoutExpired:
        print("capture: timed out", file=sys.stderr)


KAFKA_PYTHON_PRODUCER = """
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1], client_id="kafka-python-capture",
                         acks=1, linger_ms=0, api_version_auto_timeout_ms=5000)
producer.send(sys.argv[2], key=b"k", value=b"hello from kafka-python", partition=0).get(timeout=10)
producer.close(timeout=5)
"""


def write_frames(out_dir, clients, frames, skip_existing=False):
    """Writes the first frame of each (client, API, version) as hex and returns the file names.

    With skip_existing, an (API, version) that some file in out_dir already holds is skipped,
    so a rerun against the real broker adds only APIs and versions not captured before.
    """
    os.makedirs(out_dir, exist_ok=True)
    captured = set()
    if skip_existing:
        for file_name in os.listdir(out_dir):
            for api_key, api_name in API_NAMES.items():
                for version in range(0, 20):
                    if file_name.endswith(f"_{api_name}_v{version}.hex"):
                        captured.add((api_key, version))
    written = []
    for name, before, after in clients:
        seen = set()
        for api_key, version, frame in frames[before:after]:
            if api_key not in API_NAMES or (api_key, version) in seen | captured:
                continue
            seen.add((api_key, version))
            file_name = f"{name}_{API_NAMES[api_key]}_v{version}.hex"
            with open(os.path.join(out_dir, file_name), "w", encoding="ascii") as output:
                hex_text = frame.hex()
                for start in range(0, len(hex_text), 64):
                    output.write(hex_text[start:start + 64] + "\n")
            written.append(file_name)
        if skip_existing:
            captured |= seen
    for file_name in written:
        print(file_name)
    return written


def capture(out_dir):
    broker = FakeBroker()
    bootstrap = f"127.0.0.1:{broker.port}"
    clients = []  # (client name, frame count before, frame count after)

    def drive(name, command, stdin=None):
        before = len(broker.frames)
        run(command, stdin)
        clients.append((name, before, len(broker.frames)))

    drive("kcat_produce", ["timeout", "20", "kcat", "-P", "-b", bootstrap, "-t", TOPIC, "-p", "0",
                           "-k", "key", "-X", "client.id=kcat-capture"],
          stdin=b"hello from kcat\n")
    drive("kcat_consume", ["timeout", "20", "kcat", "-C", "-b", bootstrap, "-t", TOPIC, "-p", "0",
                           "-o", "beginning", "-e", "-X", "client.id=kcat-capture"])
    drive("kafka_python_produce", ["timeout", "20", "/usr/bin/python3", "-c",
                                   KAFKA_PYTHON_PRODUCER, bootstrap, TOPIC])
    broker.stop()
    return 0 if write_frames(out_dir, clients, broker.frames) else 1


class CapturingProxy:
    """Forwards 127.0.0.1:port to a real broker and records every request frame it passes on."""

    def __init__(self, broker_port):
        self.broker_port = broker_port
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.frames = []  # (api key, version, frame bytes) in arrival order
        self.lock = threading.Lock()
        self.running = True
        threading.Thread(target=self.accept_loop, daemon=True).start()

    def stop(self):
        self.running = False
        self.listener.close()

    def accept_loop(self):
        while self.running:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.broker_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            threading.Thread(target=self.requests, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self.responses, args=(upstream, client), daemon=True).start()

    def requests(self, client, upstream):
        try:
            while True:
                size = FakeBroker.read_exactly(client, 4)
                if size is None:
                    return
                frame = FakeBroker.read_exactly(client, struct.unpack(">i", size)[0])
                if frame is None:
                    return
                api_key, version = struct.unpack(">hh", frame[:4])
                with self.lock:
                    self.frames.append((api_key, version, frame))
                upstream.sendall(size + frame)
        except OSError:
            return
        finally:
            for connection in (client, upstream):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @staticmethod
    def responses(upstream, client):
        try:
            while True:
                data = upstream.recv(65536)
                if not data:
                    return
                client.sendall(data)
        except OSError:
            return
        finally:
            for connection in (client, upstream):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


ADMIN_TOPIC = "brook-capture-admin"

CONFLUENT_ADMIN = """# confluent-kafka AdminClient
import sys
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
admin = AdminClient({"bootstrap.servers": sys.argv[1], "client.id": "confluent-admin-capture"})
topic = sys.argv[2]
def wait(futures):
    for future in futures.values():
        try:
            future.result(timeout=10)
        except Exception as error:
            print("capture:", error, file=sys.stderr)
wait(admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1,
                                   config={"retention.ms": "3600000"})], request_timeout=10))
wait(admin.create_partitions([NewPartitions(topic, 4)], request_timeout=10))
wait(admin.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, topic)],
                            request_timeout=10))
wait(admin.alter_configs([ConfigResource(ConfigResource.Type.TOPIC, topic,
                                         set_config={"retention.ms": "7200000"})],
                         request_timeout=10))
wait(admin.delete_topics([topic], request_timeout=10))
"""

KAFKA_PYTHON_ADMIN = """# kafka-python KafkaAdminClient
import sys
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewPartitions, NewTopic
admin = KafkaAdminClient(bootstrap_servers=sys.argv[1], client_id="kafka-python-admin-capture",
                         request_timeout_ms=10000, api_version_auto_timeout_ms=5000)
topic = sys.argv[2]
def attempt(call):
    try:
        call()
    except Exception as error:
        print("capture:", error, file=sys.stderr)
attempt(lambda: admin.create_topics([NewTopic(topic, 2, 1, topic_configs={"retention.ms": "3600000"})],
                                    timeout_ms=10000))
attempt(lambda: admin.create_partitions({topic: NewPartitions(4)}, timeout_ms=10000))
attempt(lambda: admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))
attempt(lambda: admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic,
                                                    configs={"retention.ms": "7200000"})]))
attempt(lambda: admin.delete_topics([topic], timeout_ms=10000))
admin.close()
"""

CONFLUENT_IDEMPOTENT_PRODUCER = """# confluent-kafka idempotent Producer
import sys
from confluent_kafka import Producer
producer = Producer({"bootstrap.servers": sys.argv[1], "client.id": "confluent-idempotent-capture",
                     "enable.idempotence": True, "message.timeout.ms": 10000})
producer.produce(sys.argv[2], key=b"k", value=b"hello from an idempotent producer", partition=0)
print("capture: unflushed", producer.flush(15), file=sys.stderr)
"""

CONFLUENT_GROUP_CONSUMER = """# confluent-kafka group Consumer
import sys, time
from confluent_kafka import Consumer
consumer = Consumer({"bootstrap.servers": sys.argv[1], "client.id": "confluent-group-capture",
                     "group.id": "brook-capture-group", "auto.offset.reset": "earliest"})
consumer.subscribe([sys.argv[2]])
deadline = time.time() + 4
while time.time() < deadline:
    consumer.poll(0.5)
consumer.close()
"""

KAFKA_PYTHON_GROUP_CONSUMER = """# kafka-python group KafkaConsumer
import sys
from kafka import KafkaConsumer
consumer = KafkaConsumer(sys.argv[2], bootstrap_servers=sys.argv[1],
                         client_id="kafka-python-group-capture", group_id="brook-capture-group",
                         consumer_timeout_ms=4000, api_version_auto_timeout_ms=5000)
for _ in consumer:
    pass
consumer.close(autocommit=False)
"""


KAFKA_PYTHON_CONSUMER = """# kafka-python KafkaConsumer, assigned, no group
import sys
from kafka import KafkaConsumer, TopicPartition
consumer = KafkaConsumer(bootstrap_servers=sys.argv[1], client_id="kafka-python-consume-capture",
                         consumer_timeout_ms=3000, api_version_auto_timeout_ms=5000)
partition = TopicPartition(sys.argv[2], 0)
consumer.assign([partition])
consumer.seek_to_beginning(partition)
for _ in consumer:
    pass
consumer.close()
"""


KAFKA_PYTHON_OLD_PROTOCOL = """# kafka-python pinned to api_version (0, 10, 1): older versions
import sys
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
producer = KafkaProducer(bootstrap_servers=sys.argv[1], client_id="kafka-python-0.10-capture",
                         api_version=(0, 10, 1), acks=1, linger_ms=0)
try:
    producer.send(sys.argv[2], key=b"k", value=b"hello from kafka-python 0.10",
                  partition=0).get(timeout=5)
except Exception as error:  # Brook refuses magic-1 message sets per partition
    print("capture:", error, file=sys.stderr)
producer.close(timeout=5)
consumer = KafkaConsumer(bootstrap_servers=sys.argv[1], client_id="kafka-python-0.10-capture",
                         api_version=(0, 10, 1), consumer_timeout_ms=3000)
partition = TopicPartition(sys.argv[2], 0)
consumer.assign([partition])
consumer.seek_to_beginning(partition)
for _ in consumer:
    pass
consumer.close()
"""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, deadline_seconds):
    deadline = time.time() + deadline_seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def capture_via_broker(out_dir, corpus_dir, brook_binary):
    """Drives admin, idempotent-producer and group clients through a proxy to `brook serve`."""
    broker_port = free_port()
    with tempfile.TemporaryDirectory(prefix="brook-capture-") as log_dir:
        proxy = CapturingProxy(broker_port)
        command = [brook_binary, "serve",
                   "--override", f"listeners=PLAINTEXT://127.0.0.1:{broker_port}",
                   "--override", f"advertised.listeners=PLAINTEXT://127.0.0.1:{proxy.port}",
                   "--override", f"log.dirs={log_dir}"]
        print("capture:", " ".join(command), file=sys.stderr)
        broker = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        clients = []  # (client name, frame count before, frame count after)
        try:
            if not wait_for_port(broker_port, 10):
                print("capture: the broker did not start", file=sys.stderr)
                return 1
            bootstrap = f"127.0.0.1:{proxy.port}"

            def drive(name, script, topic):  # script's first line names it in the log
                before = len(proxy.frames)
                run(["timeout", "20", "/usr/bin/python3", "-c", script, bootstrap, topic])
                time.sleep(0.2)  # let the proxy record frames still in flight
                clients.append((name, before, len(proxy.frames)))

            drive("confluent_admin", CONFLUENT_ADMIN, ADMIN_TOPIC)
            drive("kafka_python_admin", KAFKA_PYTHON_ADMIN, ADMIN_TOPIC)
            drive("confluent_idempotent_produce", CONFLUENT_IDEMPOTENT_PRODUCER, TOPIC)
            drive("kafka_python_consume", KAFKA_PYTHON_CONSUMER, TOPIC)
            drive("kafka_python_pinned", KAFKA_PYTHON_OLD_PROTOCOL, TOPIC)
            drive("confluent_group_consume", CONFLUENT_GROUP_CONSUMER, TOPIC)
            drive("kafka_python_group_consume", KAFKA_PYTHON_GROUP_CONSUMER, TOPIC)
        finally:
            proxy.stop()
            broker.terminate()
            try:
                broker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                broker.kill()
                broker.wait()
    written = write_frames(out_dir, clients, proxy.frames, skip_existing=True)
    if corpus_dir:
        write_corpus(out_dir, corpus_dir, written)
    return 0 if written else 1


def write_corpus(out_dir, corpus_dir, file_names):
    """Copies captured frames, as binary, into the protocol_request fuzz corpus."""
    os.makedirs(corpus_dir, exist_ok=True)
    for file_name in file_names:
        with open(os.path.join(out_dir, file_name), encoding="ascii") as source:
            frame = bytes.fromhex("".join(source.read().split()))
        with open(os.path.join(corpus_dir, file_name[:-len(".hex")] + ".bin"), "wb") as output:
            output.write(frame)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(root, "tests", "protocol", "captured"))
    parser.add_argument("--via-broker", metavar="BROOK_BINARY",
                        help="capture admin, idempotent-producer and group clients through a "
                             "recording proxy in front of `BROOK_BINARY serve`")
    parser.add_argument("--corpus",
                        default=os.path.join(root, "fuzz", "corpus", "protocol_request"),
                        help="where --via-broker copies new frames as .bin fuzz seeds")
    args = parser.parse_args()
    if args.via_broker:
        return capture_via_broker(args.out, args.corpus, args.via_broker)
    return capture(args.out)


if __name__ == "__main__":
    sys.exit(main())
