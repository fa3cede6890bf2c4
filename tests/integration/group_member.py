#!/usr/bin/python3
"""One kafka-python consumer in a consumer group, as a separate process the group tests can
SIGKILL. It prints one JSON line per event on stdout, flushed at once:

    {"assigned": [0, 3]}                      whenever its assignment changes
    {"partition": 0, "offset": 12, "value": "..."}   per record consumed

and commits after every poll that returned records. It runs until killed or, with --exit-after
N, until it consumed N records (then it commits and closes, leaving the group).

Usage: group_member.py BOOTSTRAP GROUP TOPIC [--exit-after N] [--session-ms MS]
"""

import argparse
import json
import sys

from kafka import KafkaConsumer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bootstrap")
    parser.add_argument("group")
    parser.add_argument("topic")
    parser.add_argument("--exit-after", type=int, default=0)
    parser.add_argument("--session-ms", type=int, default=6000)
    args = parser.parse_args()

    consumer = KafkaConsumer(args.topic, bootstrap_servers=args.bootstrap, group_id=args.group,
                             client_id="brook-group-member", auto_offset_reset="earliest",
                             enable_auto_commit=False, session_timeout_ms=args.session_ms,
                             heartbeat_interval_ms=max(100, args.session_ms // 6),
                             fetch_max_wait_ms=200)

    def emit(event):
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    assigned = None
    consumed = 0
    while True:
        polled = consumer.poll(timeout_ms=200)
        now = sorted(tp.partition for tp in consumer.assignment())
        if now != assigned:
            assigned = now
            emit({"assigned": now})
        for records in polled.values():
            for record in records:
                emit({"partition": record.partition, "offset": record.offset,
                      "value": record.value.decode()})
                consumed += 1
        if polled:
            consumer.commit()
        if args.exit_after and consumed >= args.exit_after:
            consumer.close()
            return


if __name__ == "__main__":
    main()
