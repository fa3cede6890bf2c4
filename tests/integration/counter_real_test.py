#!/usr/bin/python3
"""The toy replicated counter on real sockets and files: three `brook counter serve` processes
on 127.0.0.1. Checks increments, durability across kill -9 and SIGTERM, and that garbage on one
connection closes only that connection, with a log line naming the peer and the reason.

usage: counter_real_test.py path/to/brook
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

BROOK = sys.argv[1]
DEADLINE = time.monotonic() + 120  # the whole test, hard bound


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Node:
    def __init__(self, name, root, port, backups=()):
        self.name, self.port, self.backups = name, port, list(backups)
        self.data = os.path.join(root, name)
        self.log_path = os.path.join(root, name + ".log")
        self.process = None

    def start(self):
        args = [BROOK, "counter", "serve", "--listen", f"127.0.0.1:{self.port}", "--data", self.data]
        for port in self.backups:
            args += ["--backup", f"127.0.0.1:{port}"]
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        wait_until(lambda: can_connect(self.port), f"{self.name} listening")

    def stop(self, sig):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=10)
        code = self.process.returncode if self.process else None
        self.process = None
        return code

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")


def wait_until(condition, what, seconds=10):
    end = min(time.monotonic() + seconds, DEADLINE)
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def can_connect(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")

    def request(self, line):
        self.sock.sendall(line.encode() + b"\n")
        reply = self.reader.readline()
        if not reply:
            raise ConnectionError("closed")
        return reply.decode().strip()

    def close(self):
        self.reader.close()
        self.sock.close()


def main():
    root = tempfile.mkdtemp(prefix="brook-counter-")
    b1, b2 = Node("b1", root, free_port()), Node("b2", root, free_port())
    primary = Node("p", root, free_port(), backups=[b1.port, b2.port])
    nodes = [b1, b2, primary]
    try:
        for node in nodes:
            node.start()
        client = Client(primary.port)
        for expected in range(1, 101):
            assert client.request("INC") == f"OK {expected}", expected
        print("100 increments acknowledged in order")

        # Garbage closes only its own connection, with a log line naming peer and reason.
        bad = socket.create_connection(("127.0.0.1", primary.port), timeout=10)
        bad.sendall(os.urandom(300) + b"\n")
        bad.settimeout(10)
        assert bad.recv(100) == b"", "the garbage connection must be closed"
        bad.close()
        wait_until(lambda: "closing connection from 127.0.0.1:" in primary.log_text(), "log line")
        line = [l for l in primary.log_text().splitlines() if "closing connection from" in l][0]
        assert "corruption" in line, line
        print("garbage connection closed:", line)
        assert client.request("INC") == "OK 101"
        print("other connections keep working")

        # kill -9 a backup: increments wait for it, then complete once it is back.
        b1.stop(signal.SIGKILL)
        b1.start()
        assert client.request("INC") == "OK 102"
        for node in (b1, b2):
            assert Client(node.port).request("GET") == "VALUE 102", node.name
        print("backup killed with SIGKILL came back with the acknowledged value")

        # kill -9 the primary: what it acknowledged was synced, so it comes back.
        client.close()
        primary.stop(signal.SIGKILL)
        primary.start()
        client = Client(primary.port)
        assert client.request("GET") == "VALUE 102"
        assert client.request("INC") == "OK 103"
        print("primary killed with SIGKILL kept every acknowledged increment")

        # SIGTERM stops a node cleanly.
        client.close()
        code = primary.stop(signal.SIGTERM)
        assert code == 0, f"exit status {code} after SIGTERM"
        assert "stopped" in primary.log_text()
        print("SIGTERM: clean exit")
    finally:
        for node in nodes:
            try:
                node.stop(signal.SIGKILL)
            except Exception:
                pass
        subprocess.run(["rm", "-rf", root])
    print("counter real test passed")


if __name__ == "__main__":
    signal.alarm(150)  # never hang CI, whatever happens
    main()
