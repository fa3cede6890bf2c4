#!/usr/bin/python3
"""A Kafka-protocol tracing proxy for debugging a client against the broker (not a test).

    tests/integration/wire_trace.py LISTEN_PORT BROKER_HOST:PORT [--dump DIR]
    kcat -L -b 127.0.0.1:LISTEN_PORT      # metadata must advertise the broker, so only the
                                          # bootstrap connection passes through the proxy

Prints one line per request (API name, version, correlation id, size) and per response (size,
latency, and the error code where it sits at a fixed place), and who closed each connection:
enough to see, for example, that a client hangs up right after ApiVersions and which version
it had asked for. --dump DIR also writes each request frame to DIR/<conn>-<n>-<api>-v<ver>.bin
for byte-exact replay.
"""

import os
import select
import socket
import struct
import sys
import threading
import time

API_NAMES = {0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 8: "OffsetCommit",
             9: "OffsetFetch", 10: "FindCoordinator", 11: "JoinGroup", 12: "Heartbeat",
             13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
             17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics",
             21: "DeleteRecords", 22: "InitProducerId", 32: "DescribeConfigs",
             33: "AlterConfigs", 36: "SaslAuthenticate", 37: "CreatePartitions",
             42: "DeleteGroups", 44: "IncrementalAlterConfigs", 60: "DescribeCluster"}


def frames(buffer):
    """Splits complete size-prefixed frames off the front of buffer."""
    out = []
    while len(buffer) >= 4:
        (size,) = struct.unpack(">i", buffer[:4])
        if len(buffer) < 4 + size:
            break
        out.append(bytes(buffer[4:4 + size]))
        del buffer[:4 + size]
    return out


def serve(client, upstream_address, connection_id, dump_dir):
    host, port = upstream_address
    upstream = socket.create_connection((host, port))
    pending = {}  # correlation id -> (api name, version, start time)
    from_client, from_broker = bytearray(), bytearray()
    count = 0
    tag = f"[conn {connection_id}]"
    try:
        while True:
            readable, _, _ = select.select([client, upstream], [], [])
            for side in readable:
                data = side.recv(1 << 20)
                if not data:
                    who = "client" if side is client else "broker"
                    print(f"{tag} {who} closed the connection; {len(pending)} requests unanswered"
                          + (f": {sorted(pending.values())}" if pending else ""), flush=True)
                    return
                if side is client:
                    upstream.sendall(data)
                    from_client += data
                    for frame in frames(from_client):
                        api, version, correlation = struct.unpack(">hhi", frame[:8])
                        name = API_NAMES.get(api, f"api{api}")
                        pending[correlation] = (name, version, time.monotonic())
                        print(f"{tag} -> {name} v{version} corr={correlation} {len(frame)} B",
                              flush=True)
                        if dump_dir:
                            count += 1
                            path = os.path.join(dump_dir, f"{connection_id}-{count:04d}-{name}-v{version}.bin")
                            with open(path, "wb") as out:
                                out.write(frame)
                else:
                    client.sendall(data)
                    from_broker += data
                    for frame in frames(from_broker):
                        (correlation,) = struct.unpack(">i", frame[:4])
                        name, version, start = pending.pop(correlation, ("?", -1, time.monotonic()))
                        extra = ""
                        if name == "ApiVersions" and len(frame) >= 6:
                            extra = f" error={struct.unpack('>h', frame[4:6])[0]}"
                        print(f"{tag} <- {name} v{version} corr={correlation} {len(frame)} B "
                              f"{1000 * (time.monotonic() - start):.1f} ms{extra}", flush=True)
    finally:
        client.close()
        upstream.close()


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        sys.exit(2)
    listen_port = int(sys.argv[1])
    host, port = sys.argv[2].rsplit(":", 1)
    dump_dir = sys.argv[sys.argv.index("--dump") + 1] if "--dump" in sys.argv else None
    if dump_dir:
        os.makedirs(dump_dir, exist_ok=True)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", listen_port))
    server.listen()
    print(f"tracing 127.0.0.1:{listen_port} -> {host}:{port}", flush=True)
    connection_id = 0
    while True:
        client, _ = server.accept()
        connection_id += 1
        threading.Thread(target=serve, args=(client, (host, int(port)), connection_id, dump_dir),
                         daemon=True).start()


if __name__ == "__main__":
    main()
