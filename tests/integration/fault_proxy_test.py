#!/usr/bin/python3
"""tools/chaos/fault_proxy.py between a real client and `brook serve`: each mode does to a
confluent-kafka producer (acks=all) what it says.

The broker advertises the proxy's port (advertised.listeners), so the client's every
connection, bootstrap and leader alike, goes through the proxy's one link. In order:
  pass       50 records acknowledged at offsets 0..49
  delay      300 ms each way: one acknowledgement takes at least 0.6 s
  drop down  the response is discarded, the request is not: the produce times out on the
             client, yet a raw Fetch straight from the broker finds the record (per direction)
  blackhole  nothing moves either way: the produce times out
  heal       the same producer is acknowledged again
  reset      every connection is closed with an RST, and so is each new one: the client reports
             a disconnect and its produce fails
  heal       acknowledged again; a raw Fetch finds every offset up to that acknowledgement.

Usage: fault_proxy_test.py path/to/brook
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "chaos"))
from brook_harness import HOST, Test, fetch_batches, free_port  # noqa: E402
from fault_proxy import FaultProxy  # noqa: E402

from confluent_kafka import KafkaError, Producer  # noqa: E402

TOPIC = "through-the-proxy"
LINK = "client"
# Short client timeouts so that each fault shows within seconds.
MESSAGE_TIMEOUT_MS = 3000
DISCONNECTS = (KafkaError._TRANSPORT, KafkaError._ALL_BROKERS_DOWN)


class Client:
    """One producer for the whole test, with its delivery reports and client-level errors."""

    def __init__(self, bootstrap):
        self.errors = []
        self.producer = Producer({
            "bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0,
            "message.timeout.ms": MESSAGE_TIMEOUT_MS, "request.timeout.ms": 1500,
            "reconnect.backoff.ms": 50, "reconnect.backoff.max.ms": 300,
            "client.id": "brook-fault-proxy-test",
            "error_cb": lambda error: self.errors.append(error.code())})

    def send(self, count, tag, timeout_s=10):
        """Produces count records; returns ([(error code or None, offset)], seconds taken)."""
        reports = []

        def report(error, message):
            reports.append((error.code() if error else None, message.offset()))

        started = time.monotonic()
        for index in range(count):
            self.producer.produce(TOPIC, key=b"%d" % index, value=f"{tag}-{index}".encode(),
                                  partition=0, on_delivery=report)
        self.producer.flush(timeout_s)
        return reports, time.monotonic() - started


def stored_records(broker):
    """Records in the broker's log, read around the proxy with a raw Fetch."""
    return sum(delta + 1 for _, delta, _, _ in fetch_batches(broker.bootstrap, TOPIC, 0))


def body(test):
    proxy_port = free_port()
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true",
                          "advertised.listeners": f"PLAINTEXT://{HOST}:{proxy_port}"})
    proxy = FaultProxy()
    try:
        proxy.add_link(LINK, (HOST, broker.port), listen_port=proxy_port)
        run_modes(test, broker, proxy, Client(f"{HOST}:{proxy_port}"))
    finally:
        proxy.close()


def run_modes(test, broker, proxy, client):
    reports, _ = client.send(50, "pass")
    test.check(reports == [(None, offset) for offset in range(50)],
               "pass: 50 records acknowledged through the proxy at offsets 0..49",
               f"{reports[:3]}...")
    acknowledged = 50

    proxy.set(LINK, "both", "delay", 300)
    reports, seconds = client.send(1, "delay")
    test.check(reports == [(None, acknowledged)] and seconds >= 0.6,
               f"delay 300 ms each way: acknowledged after {seconds:.2f} s (>= 0.6 s)",
               f"{reports}")
    acknowledged += 1

    proxy.heal()
    proxy.set(LINK, "down", "drop")
    before = stored_records(broker)
    reports, seconds = client.send(1, "drop")
    test.check(len(reports) == 1 and reports[0][0] is not None,
               f"drop down: no acknowledgement, the produce failed after {seconds:.1f} s "
               f"({reports[0][0] if reports else 'no report'})", f"{reports}")
    dropped = proxy.stats(LINK)["down"]["dropped_bytes"]
    test.check(stored_records(broker) > before and dropped > 0,
               f"drop down: yet the request reached the broker, which stored the record; "
               f"{dropped} response bytes dropped")

    proxy.set(LINK, "both", "blackhole")
    reports, seconds = client.send(1, "blackhole")
    test.check(len(reports) == 1 and reports[0][0] is not None
               and seconds >= MESSAGE_TIMEOUT_MS / 1000 - 0.5,
               f"blackhole: the produce timed out after {seconds:.1f} s "
               f"({reports[0][0] if reports else 'no report'})", f"{reports}")

    proxy.heal()
    check_recovers(test, client, "heal after blackhole")

    resets_before = proxy.stats(LINK)["resets"]
    client.errors.clear()
    proxy.set(LINK, "both", "reset")
    reports, seconds = client.send(1, "reset")
    resets = proxy.stats(LINK)["resets"] - resets_before
    test.check(len(reports) == 1 and reports[0][0] is not None,
               f"reset: the produce failed after {seconds:.1f} s ({reports[0][0]})", f"{reports}")
    test.check(resets > 0 and any(code in DISCONNECTS for code in client.errors),
               f"reset: {resets} connections reset, the client reported a disconnect",
               f"client errors {client.errors}")

    proxy.heal()
    last_offset = check_recovers(test, client, "heal after reset")
    stored = stored_records(broker)
    test.check(stored == last_offset + 1,
               f"the broker's log holds offsets 0..{last_offset}, up to the last "
               f"acknowledgement", f"{stored} records stored")


def check_recovers(test, client, what):
    """The producer is acknowledged again within a few tries (it reconnects with backoff);
    returns the acknowledged offset."""
    for attempt in range(5):
        reports, seconds = client.send(1, what)
        if reports and reports[0][0] is None:
            test.check(True, f"{what}: acknowledged again at offset {reports[0][1]} "
                       f"(try {attempt + 1}, {seconds:.2f} s)")
            return reports[0][1]
    test.check(False, f"{what}: acknowledged again", f"last report {reports}")


Test("fault_proxy", time_limit_s=60).main(body)
