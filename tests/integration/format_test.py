#!/usr/bin/python3
"""`brook format` and the start checks of a node with process.roles (KRaft mode).

  1. A combined-mode node (process.roles=broker,controller) refuses to start from an
     unformatted directory, naming meta.properties and `brook format`.
  2. `brook random-uuid` prints a Kafka uuid; `brook format --config --cluster-id` writes
     meta.properties (version=1, cluster.id, node.id, directory.id); formatting again fails
     unless --ignore-formatted.
  3. The formatted node serves Kafka requests (kcat -L; a record produced and consumed), and
     stops with status 0 on SIGTERM.
  4. With metadata.log.dir set, `brook cluster unsafe-reset-quorum` rewrites the quorum-state
     where the node keeps it: under log.dirs, beside its metadata log.
  5. A foreign directory is refused: the same directory with another node.id, and a
     metadata.log.dir formatted for another cluster; each message names the file and both values.
  6. Without process.roles nothing changes: an empty directory formats itself on first start.

Usage: format_test.py path/to/brook
"""

import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import HOST, Broker, Test, free_port, poll  # noqa: E402


def kraft_settings(node_id, voter_port, data_dir, port):
    return {
        "process.roles": "broker,controller",
        "node.id": node_id,
        "controller.quorum.voters": f"{node_id}@{HOST}:{voter_port}",
        "controller.listener.names": "CONTROLLER",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{voter_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": data_dir,
    }


def write_properties(path, settings):
    with open(path, "w") as out:
        for key, value in settings.items():
            out.write(f"{key}={value}\n")


def read_properties(path):
    entries = {}
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            entries[key] = value
    return entries


def serve_refused(test, config_path, extra=()):
    """Runs `brook serve` that must refuse to start; returns its stderr."""
    result = test.run([test.binary, "serve", "--config", config_path, *extra], timeout=20,
                      check=False)
    test.check(result.returncode != 0, f"serve {' '.join(extra) or config_path} refused to start",
               f"exit status {result.returncode}")
    return result.stderr.decode(errors="replace")


def body(test):
    if "mock_broker" in os.path.basename(test.binary):
        test.skip("format", "the mock broker has no data directories")
        return
    workdir = test.temp_path("node1")
    data_dir = os.path.join(workdir, "data")
    os.makedirs(workdir)
    broker = Broker(test.binary, workdir)  # its port; settings below
    voter_port = free_port()
    settings = kraft_settings(1, voter_port, data_dir, broker.port)
    broker.overrides = settings
    config_path = os.path.join(workdir, "server.properties")
    write_properties(config_path, settings)

    # 1. Unformatted: refused.
    stderr = serve_refused(test, config_path)
    test.check(f"{data_dir}/meta.properties not found" in stderr and "brook format" in stderr,
               "the refusal names the missing meta.properties and `brook format`", stderr)

    # 2. random-uuid, format, format again.
    uuid = test.run([test.binary, "random-uuid"], timeout=10).stdout.decode().strip()
    test.check(re.fullmatch(r"[A-Za-z0-9_-]{22}", uuid) and not uuid.startswith("-"),
               f"brook random-uuid printed a Kafka uuid ({uuid})", uuid)
    bad = test.run([test.binary, "format", "--config", config_path, "--cluster-id", "not-a-uuid"],
                   timeout=10, check=False)
    test.check(bad.returncode != 0 and b"not a Kafka uuid" in bad.stderr,
               "format refuses a cluster id that is not a uuid", bad.stderr.decode())
    test.run([test.binary, "format", "--config", config_path, "--cluster-id", uuid], timeout=10)
    meta = read_properties(os.path.join(data_dir, "meta.properties"))
    test.check(meta.get("version") == "1" and meta.get("cluster.id") == uuid
               and meta.get("node.id") == "1"
               and re.fullmatch(r"[A-Za-z0-9_-]{22}", meta.get("directory.id", "")),
               "meta.properties has version=1, the cluster id, node.id=1 and a directory.id",
               str(meta))
    again = test.run([test.binary, "format", "--config", config_path, "--cluster-id", uuid],
                     timeout=10, check=False)
    test.check(again.returncode != 0 and b"already formatted" in again.stderr,
               "formatting a formatted directory fails", again.stderr.decode())
    test.run([test.binary, "format", "--config", config_path, "--cluster-id", uuid,
              "--ignore-formatted"], timeout=10)
    test.check(read_properties(os.path.join(data_dir, "meta.properties")) == meta,
               "--ignore-formatted leaves the directory as it was")

    # 3. Formatted: serves.
    test.brokers.append(broker)
    broker.start()
    # A KRaft node listens at once but lists itself in Metadata only once its quorum has a
    # leader and it is registered (about the election timeout, 1 s): ask until it does.
    def listing_itself():
        text = test.run(["kcat", "-L", "-b", broker.bootstrap, "-m", "2"], timeout=20,
                        check=False).stdout.decode()
        return text if "1 brokers:" in text else None
    listing = poll("the node listing itself in Metadata", 15, listing_itself, interval_s=0.2)
    test.check("1 brokers:" in listing and f"broker 1 at {HOST}:{broker.port}" in listing,
               "the formatted combined-mode node answers Metadata on its PLAINTEXT listener",
               listing)
    test.run(["kcat", "-P", "-b", broker.bootstrap, "-t", "formatted"], timeout=20,
             input_bytes=b"hello\n")
    got = test.run(["kcat", "-C", "-b", broker.bootstrap, "-t", "formatted", "-e", "-q"],
                   timeout=20).stdout
    test.check(got == b"hello\n", "a record produced to it reads back", got)
    status = broker.stop(signal.SIGTERM)
    test.check(status == 0, "it stops with status 0 on SIGTERM", f"status {status}")

    # 4. unsafe-reset-quorum with metadata.log.dir set: the node keeps its quorum-state under
    #    log.dirs all the same, and the reset must rewrite that file.
    meta_dir = os.path.join(workdir, "metadata")
    with_meta_dir = ["--override", f"metadata.log.dir={meta_dir}"]
    test.run([test.binary, "format", "--config", config_path, "--cluster-id", uuid,
              "--ignore-formatted", *with_meta_dir], timeout=10)
    state_path = os.path.join(data_dir, "__cluster_metadata-0", "quorum-state")
    before = json.load(open(state_path))
    reset = test.run([test.binary, "cluster", "unsafe-reset-quorum", "--config", config_path,
                      "--voters", f"1@{HOST}:{voter_port}", *with_meta_dir], timeout=10,
                     check=False)
    after = json.load(open(state_path))
    test.check(reset.returncode == 0 and after["leaderEpoch"] == before["leaderEpoch"] + 1
               and after["votedId"] == -1,
               "with metadata.log.dir set, unsafe-reset-quorum rewrites the quorum-state under "
               f"log.dirs (epoch {before['leaderEpoch']} -> {after['leaderEpoch']})",
               reset.stderr.decode(errors="replace"))

    # 5. Foreign directories.
    other_node = os.path.join(workdir, "node2.properties")
    write_properties(other_node, kraft_settings(2, voter_port, data_dir, broker.port))
    stderr = serve_refused(test, other_node)
    test.check(f"{data_dir}/meta.properties has node.id=1, but the configuration has node.id=2"
               in stderr, "another node's directory is refused, naming the file and both ids",
               stderr)
    foreign_dir = os.path.join(workdir, "foreign")
    foreign_config = os.path.join(workdir, "foreign.properties")
    write_properties(foreign_config, kraft_settings(1, voter_port, foreign_dir, broker.port))
    other_uuid = test.run([test.binary, "random-uuid"], timeout=10).stdout.decode().strip()
    test.run([test.binary, "format", "--config", foreign_config, "--cluster-id", other_uuid],
             timeout=10)
    stderr = serve_refused(test, config_path, ["--override", f"metadata.log.dir={foreign_dir}"])
    test.check(f"{data_dir}/meta.properties has cluster.id={uuid}" in stderr
               and f"cluster.id={other_uuid}" in stderr,
               "a log directory of another cluster than metadata.log.dir is refused", stderr)

    # 6. No process.roles: the single-node broker formats itself, as before.
    plain = test.broker()
    meta = read_properties(os.path.join(plain.data_dir, "meta.properties"))
    test.check(meta.get("node.id") == "1" and len(meta.get("cluster.id", "")) == 22,
               "without process.roles an empty directory is formatted on first start", str(meta))


Test("format", time_limit_s=120).main(body)
