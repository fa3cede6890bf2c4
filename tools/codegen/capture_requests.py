#!/usr/bin/python3
"""Captures the request frames real Kafka clients send, for tests/protocol/captured/.

    tools/codegen/capture_requests.py [--out tests/protocol/captured]

Runs a minimal fake broker on 127.0.0.1 (a random port) that records every request frame and
answers just enough for a client to proceed: ApiVersions, Metadata (one topic, one partition,
led by this broker), Produce, ListOffsets and Fetch (an empty partition). Then it drives
kcat (librdkafka 2.0.2) and kafka-python 2.0.2 against it, every client bounded by `timeout`,
and writes the first frame of each (client, API, version) as <client>_<api>_v<version>.hex: the
frame without its int32 size prefix, as hex. Debian's interpreter (/usr/bin/python3) is needed
for kafka-python. Only 127.0.0.1 is used; everything started here is stopped here.
"""

import argparse
import os
import socket
import struct
import subprocess
import sys
import threading

TOPIC = "brook-capture"
API_NAMES = {0: "produce", 1: "fetch", 2: "list_offsets", 3: "metadata", 18: "api_versions"}
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
    print("capture:", " ".join(command), file=sys.stderr)
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=30, check=False)


KAFKA_PYTHON_PRODUCER = """
import sys
from kafka import KafkaProducer
producer = KafkaProducer(bootstrap_servers=sys.argv[1], client_id="kafka-python-capture",
                         acks=1, linger_ms=0, api_version_auto_timeout_ms=5000)
producer.send(sys.argv[2], key=b"k", value=b"hello from kafka-python", partition=0).get(timeout=10)
producer.close(timeout=5)
"""


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

    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, before, after in clients:
        seen = set()
        for api_key, version, frame in broker.frames[before:after]:
            if api_key not in API_NAMES or (api_key, version) in seen:
                continue
            seen.add((api_key, version))
            file_name = f"{name}_{API_NAMES[api_key]}_v{version}.hex"
            with open(os.path.join(out_dir, file_name), "w", encoding="ascii") as output:
                hex_text = frame.hex()
                for start in range(0, len(hex_text), 64):
                    output.write(hex_text[start:start + 64] + "\n")
            written.append(file_name)
    for file_name in written:
        print(file_name)
    return 0 if written else 1


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(root, "tests", "protocol", "captured"))
    args = parser.parse_args()
    return capture(args.out)


if __name__ == "__main__":
    sys.exit(main())
