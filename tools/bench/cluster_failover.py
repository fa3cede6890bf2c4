#!/usr/bin/python3
"""How long a three-node Brook cluster (tools/cluster/local_cluster.py, on 127.0.0.1) takes
to get over a kill -9, measured from outside:

  election  N rounds of: kill -9 the quorum leader, then poll DescribeQuorum on a survivor
            every 10 ms until it names another leader; restart the killed node and wait until
            it is caught up again before the next round.
  fencing   N rounds of: kill -9 a broker that is not the quorum leader, then poll Metadata
            (kcat -L -J on the leader, 10 ms apart, each poll a kcat run of a few ms) until the
            killed broker is gone from the broker list; restart it and wait until it is back.

Prints each round and p50 / p99 / max per measure, with the timeouts that bound them
(controller.quorum.fetch.timeout.ms and election.timeout.ms for the election,
broker.session.timeout.ms for fencing). Measurements only; nothing is asserted.

    tools/bench/cluster_failover.py build/brook [--rounds 10] [--skip-fencing]
        [--override key=value]...
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cluster"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests",
                                "integration"))
from brook_harness import poll  # noqa: E402
from local_cluster import LocalCluster  # noqa: E402

POLL_S = 0.010


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(name, values_ms):
    return (f"{name}: n={len(values_ms)} p50={percentile(values_ms, 0.5):.0f} ms "
            f"p99={percentile(values_ms, 0.99):.0f} ms max={max(values_ms):.0f} ms")


def live_brokers(bootstrap):
    result = subprocess.run(["kcat", "-L", "-J", "-b", bootstrap, "-m", "2"],
                            capture_output=True, timeout=10)
    if result.returncode != 0:
        return None
    try:
        return {broker["id"] for broker in json.loads(result.stdout)["brokers"]}
    except (json.JSONDecodeError, KeyError):
        return None


def rejoin(cluster, node_id):
    """Restarts the node and waits until the leader sees it caught up and Metadata lists it."""
    cluster.nodes[node_id].start()
    poll(f"node {node_id} caught up", 60, lambda: cluster.caught_up(node_id))
    others = [n for n in cluster.nodes.values() if n.id != node_id]
    poll(f"broker {node_id} in Metadata", 60,
         lambda: node_id in (live_brokers(others[0].bootstrap) or set()))


def election_round(cluster):
    leader = cluster.wait_for_leader(30)
    if leader is None:
        raise RuntimeError("no quorum leader")
    started = time.monotonic()
    cluster.nodes[leader].kill()
    new_leader = cluster.wait_for_leader(60, exclude={leader}, poll_s=POLL_S)
    elapsed_ms = (time.monotonic() - started) * 1000
    if new_leader is None:
        raise RuntimeError(f"no new leader within 60 s of killing {leader}")
    rejoin(cluster, leader)
    return leader, new_leader, elapsed_ms


def fencing_round(cluster):
    leader = cluster.wait_for_leader(30)
    victim = next(n for n in cluster.nodes.values() if n.id != leader)
    observer = cluster.nodes[leader].bootstrap
    poll(f"broker {victim.id} listed", 60, lambda: victim.id in (live_brokers(observer) or set()))
    started = time.monotonic()
    victim.kill()
    deadline = started + 120
    while time.monotonic() < deadline:
        brokers = live_brokers(observer)
        if brokers is not None and victim.id not in brokers:
            break
        time.sleep(POLL_S)
    else:
        raise RuntimeError(f"broker {victim.id} still in Metadata 120 s after kill -9")
    elapsed_ms = (time.monotonic() - started) * 1000
    rejoin(cluster, victim.id)
    return victim.id, elapsed_ms


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("brook")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--skip-fencing", action="store_true")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.override)
    with tempfile.TemporaryDirectory(prefix="brook-failover-") as workdir:
        cluster = LocalCluster(os.path.abspath(args.brook), workdir, size=3, overrides=overrides)
        print("settings: " + ", ".join(f"{k}={v}" for k, v in sorted(cluster.settings.items())))
        try:
            cluster.format()
            cluster.start()
            elections = []
            for round_number in range(1, args.rounds + 1):
                old, new, elapsed_ms = election_round(cluster)
                elections.append(elapsed_ms)
                print(f"election {round_number}: killed leader {old}, node {new} leads after "
                      f"{elapsed_ms:.0f} ms", flush=True)
            fencings = []
            for round_number in range(1, 0 if args.skip_fencing else args.rounds + 1):
                victim, elapsed_ms = fencing_round(cluster)
                fencings.append(elapsed_ms)
                print(f"fencing {round_number}: broker {victim} left Metadata after "
                      f"{elapsed_ms:.0f} ms", flush=True)
        except Exception:
            for node in cluster.nodes.values():
                print(f"--- node {node.id} log tail ---\n{node.log_tail()}", file=sys.stderr)
            raise
        finally:
            cluster.stop()
        print(summary("new quorum leader after kill -9 of the leader", elections))
        if fencings:
            print(summary("killed broker gone from Metadata", fencings))


if __name__ == "__main__":
    main()
