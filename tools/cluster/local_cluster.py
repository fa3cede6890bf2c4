"""A KRaft cluster of `brook serve` processes on 127.0.0.1, for the cluster integration test
(tests/integration/cluster_test.py) and the failover benchmark (tools/bench/cluster_failover.py).

    cluster = LocalCluster("build/brook", "/tmp/work", size=3)    # configs on free ports
    cluster.format()                                               # brook format, one cluster id
    cluster.start()                                                # every node, waits for ports
    leader = cluster.wait_for_leader(timeout_s=30)                 # DescribeQuorum, raw
    cluster.nodes[leader].kill()                                   # kill -9
    cluster.nodes[leader].start()                                  # same ports, same data

Every node is a combined broker and voter (process.roles=broker,controller) with a PLAINTEXT
and a CONTROLLER listener and its data in WORKDIR/nodeN. `describe_quorum` speaks DescribeQuorum
v0 itself (a few lines of Kafka's wire format), so a poll every 10 ms costs a connection, not a
process; the `brook cluster quorum` command is what the test checks for users.

A Node is a tests/integration/brook_harness.Broker (its process handling: start and wait for
the port, stop with a signal, PR_SET_PDEATHSIG so that nodes die with the Python process that
started them, the log) run from a server.properties of its own, so a test can hand its nodes to
the harness's cleanup.
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "integration"))
from brook_harness import HOST, Broker, free_port, wait_for_port  # noqa: E402

# The timings the cluster runs with unless told otherwise; the benchmark prints them beside its
# figures. Kafka's defaults are 1000 / 2000 / 2000 ms for the quorum, 9000 / 2000 ms for brokers.
DEFAULT_TIMINGS = {
    "controller.quorum.election.timeout.ms": 1000,
    "controller.quorum.fetch.timeout.ms": 2000,
    "controller.quorum.request.timeout.ms": 2000,
    "broker.session.timeout.ms": 9000,
    "broker.heartbeat.interval.ms": 2000,
}


# --- DescribeQuorum v0 on the wire ---------------------------------------------------------

def _uvarint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class _Reader:
    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return values[0] if len(values) == 1 else values

    def uvarint(self):
        shift = value = 0
        while True:
            byte = self.data[self.at]
            self.at += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def skip_tags(self):
        for _ in range(self.uvarint()):
            self.uvarint()
            self.at += self.uvarint()

    def compact_string(self):
        length = self.uvarint() - 1
        text = self.data[self.at:self.at + length].decode()
        self.at += length
        return text


def describe_quorum_request():
    """A DescribeQuorum v0 request for __cluster_metadata-0 (header v2), without size prefix."""
    topic = b"__cluster_metadata"
    client_id = b"brook-local-cluster"
    return (struct.pack(">hhih", 55, 0, 1, len(client_id)) + client_id + _uvarint(0)
            + _uvarint(2) + _uvarint(len(topic) + 1) + topic
            + _uvarint(2) + struct.pack(">i", 0) + _uvarint(0) + _uvarint(0) + _uvarint(0))


def parse_describe_quorum(frame):
    """The answer to describe_quorum_request() (without size prefix) as {"leader", "epoch",
    "high_watermark", "voters", "observers"} with replicas as {id: log_end_offset}; None for
    an error answer."""
    reader = _Reader(frame)
    reader.take(">i")  # correlation id
    reader.skip_tags()
    if reader.take(">h") != 0:
        return None
    for _ in range(reader.uvarint() - 1):
        reader.compact_string()
        for _ in range(reader.uvarint() - 1):
            _, error, leader, epoch, high_watermark = reader.take(">ihiiq")
            groups = []
            for _ in range(2):
                replicas = {}
                for _ in range(reader.uvarint() - 1):
                    replica, log_end = reader.take(">iq")
                    reader.skip_tags()
                    replicas[replica] = log_end
                groups.append(replicas)
            if error != 0:
                return None
            return {"leader": leader, "epoch": epoch, "high_watermark": high_watermark,
                    "voters": groups[0], "observers": groups[1]}
    return None


def describe_quorum(port, timeout_s=1.0):
    """DescribeQuorum v0 on HOST:port (a controller listener, or a broker that forwards it):
    parse_describe_quorum's answer, or None when nothing answers."""
    body = describe_quorum_request()
    try:
        with socket.create_connection((HOST, port), timeout=timeout_s) as connection:
            connection.sendall(struct.pack(">i", len(body)) + body)
            data = b""
            while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
                chunk = connection.recv(65536)
                if not chunk:
                    return None
                data += chunk
    except OSError:
        return None
    try:
        return parse_describe_quorum(data[4:])
    except (struct.error, IndexError, UnicodeDecodeError):
        return None


# --- nodes -----------------------------------------------------------------------------------

class Node(Broker):
    def __init__(self, binary, workdir, node_id):
        super().__init__(binary, os.path.join(workdir, f"node{node_id}"))
        self.id = node_id
        self.config_path = os.path.join(workdir, f"node{node_id}", "server.properties")
        self.controller_port = free_port()

    def command(self):
        return [self.binary, "serve", "--config", self.config_path]

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Starts the node (same ports, same data) and waits until both listeners accept."""
        super().start()
        wait_for_port(self.controller_port, self.start_timeout_s, self.process)
        return self

    def kill(self):
        return self.stop(signal.SIGKILL)


class LocalCluster:
    def __init__(self, binary, workdir, size=3, overrides=None):
        self.binary = binary
        self.nodes = {i: Node(binary, workdir, i) for i in range(1, size + 1)}
        self.settings = {**DEFAULT_TIMINGS, **(overrides or {})}
        self.cluster_id = None
        for node in self.nodes.values():
            self.write_config(node, self.nodes.values())

    def voters_text(self, nodes):
        return ",".join(f"{n.id}@{HOST}:{n.controller_port}" for n in nodes)

    def write_config(self, node, voters):
        settings = {
            "process.roles": "broker,controller",
            "node.id": node.id,
            "controller.quorum.voters": self.voters_text(voters),
            "controller.listener.names": "CONTROLLER",
            "listeners": f"PLAINTEXT://{HOST}:{node.port},CONTROLLER://{HOST}:{node.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{HOST}:{node.port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": node.data_dir,
            "default.replication.factor": 1,
            **self.settings,
        }
        with open(node.config_path, "w") as out:
            for key, value in settings.items():
                out.write(f"{key}={value}\n")

    @property
    def bootstrap(self):
        return ",".join(n.bootstrap for n in self.nodes.values())

    @property
    def controllers(self):
        return ",".join(f"{HOST}:{n.controller_port}" for n in self.nodes.values())

    def format(self):
        self.cluster_id = subprocess.run([self.binary, "random-uuid"], check=True,
                                         capture_output=True, text=True,
                                         timeout=20).stdout.strip()
        for node in self.nodes.values():
            subprocess.run([self.binary, "format", "--config", node.config_path,
                            "--cluster-id", self.cluster_id], check=True, capture_output=True,
                           timeout=20)

    def start(self):
        for node in self.nodes.values():
            node.start()

    def stop(self):
        for node in self.nodes.values():
            node.stop()

    def leader(self, exclude=()):
        """The quorum leader as the first live node not in exclude answers, or None."""
        for node in self.nodes.values():
            if node.id in exclude or not node.alive:
                continue
            quorum = describe_quorum(node.controller_port)
            if quorum is not None:
                return quorum["leader"] if quorum["leader"] >= 0 else None
        return None

    def wait_for_leader(self, timeout_s, exclude=(), poll_s=0.01):
        """Polls DescribeQuorum on the live nodes until one names a leader not in exclude;
        the leader's id, or None after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            leader = self.leader(exclude)
            if leader is not None and leader not in exclude:
                return leader
            time.sleep(poll_s)
        return None

    def caught_up(self, node_id):
        """The voters' log ends as the quorum leader reports them ({id: log_end_offset}) once
        node_id's equals the leader's own, else None. Only the leader knows the others' ends: a
        new leader reports -1 for a voter until that voter fetches from it."""
        leader = self.leader()
        if leader is None:
            return None
        quorum = describe_quorum(self.nodes[leader].controller_port)
        if quorum is None or quorum["leader"] != leader:
            return None
        ends = quorum["voters"]
        return ends if 0 <= ends.get(node_id, -1) == ends.get(leader) else None
