#!/usr/bin/python3
"""A fault-injecting TCP proxy for chaos tests of real `brook serve` processes.

Each *link* listens on a 127.0.0.1 port and forwards every connection it accepts to one target.
Each link has two directions, `up` (from the side that connected to the target) and `down`
(back), and each direction has a mode:

    pass          forward bytes as they come (the start, and what heal restores)
    drop          read and discard them: the connection stays open and silently loses data
    delay MS      forward each chunk MS milliseconds after it was read, in order
    blackhole     read nothing and forward nothing: the connection stays open, the sender's
                  bytes wait in its socket buffer (TCP backpressure), as across a partition
                  where packets vanish; after heal the held bytes flow
    reset         close both sides of every connection of the link with an RST, and reset
                  each new connection at once, until healed (the direction does not matter)

A connection accepted while `up` is blackholed or dropped is held without connecting to the
target, as a SYN lost in a partition would leave the client waiting.

Two ways to drive it:

  In-process, from a test (the proxy runs its asyncio loop on a thread of its own):

      from fault_proxy import FaultProxy
      proxy = FaultProxy()
      port = proxy.add_link("client", ("127.0.0.1", broker_port))   # a free port, or listen_port=
      proxy.set("client", "both", "blackhole")
      proxy.set("client", "up", "delay", 200)
      proxy.heal()                                                   # every link: pass both ways
      proxy.stats("client")    # {"connections": 3, "resets": 1, "up": {...bytes...}, ...}
      proxy.close()

  As a process, with line commands on a control port (`nc 127.0.0.1 7000`, one command a line,
  one reply line each: "ok ..." or "error ..."):

      tools/chaos/fault_proxy.py --control 7000 --link client=19092:127.0.0.1:9092
      link NAME LISTEN_PORT HOST:PORT      add a link (LISTEN_PORT 0: a free one; the reply names it)
      set NAME up|down|both MODE [MS]      MODE: pass, drop, delay MS, blackhole, reset
      heal [NAME]                          pass both ways (every link without NAME)
      stats [NAME]                         JSON counters
      quit                                 stop the proxy

Python 3 standard library only; run with /usr/bin/python3. tools/chaos/README.md has examples,
including how to put it between a client and `brook serve` (advertised.listeners).
"""

import argparse
import asyncio
import json
import socket
import struct
import sys
import threading
import time

HOST = "127.0.0.1"
DIRECTIONS = ("up", "down")
MODES = ("pass", "drop", "delay", "blackhole", "reset")
# Bytes read from a socket at once, and chunks queued for delayed delivery in one direction
# of one connection before the reader waits (so a delayed direction holds at most about 4 MiB).
READ_BYTES_MAX = 64 * 1024
QUEUED_CHUNKS_MAX = 64


class Direction:
    """The mode of one direction of one link, and what passed through it."""

    def __init__(self):
        self.mode = "pass"
        self.delay_ms = 0
        self.changed = asyncio.Event()
        self.forwarded_bytes = 0
        self.dropped_bytes = 0

    def set(self, mode, delay_ms=0):
        self.mode = mode
        self.delay_ms = delay_ms if mode == "delay" else 0
        # Wake everything that waits for a change, then arm the event for the next one.
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_while(self, *modes):
        while self.mode in modes:
            await self.changed.wait()

    def counters(self):
        return {"mode": self.mode, "delay_ms": self.delay_ms,
                "forwarded_bytes": self.forwarded_bytes, "dropped_bytes": self.dropped_bytes}


class Link:
    """One listening port, its target, its two directions and its open connections."""

    def __init__(self, name, target):
        self.name = name
        self.target = target
        self.directions = {direction: Direction() for direction in DIRECTIONS}
        self.connections = set()
        self.server = None
        self.accepted = 0
        self.resets = 0

    @property
    def resetting(self):
        return any(d.mode == "reset" for d in self.directions.values())

    def reset_all(self):
        for connection in list(self.connections):
            connection.reset()

    def counters(self):
        return {"listen_port": self.server.sockets[0].getsockname()[1],
                "target": f"{self.target[0]}:{self.target[1]}",
                "connections": self.accepted, "open": len(self.connections),
                "resets": self.resets,
                **{name: d.counters() for name, d in self.directions.items()}}


def abort_with_rst(writer):
    """Closes the socket under writer at once; SO_LINGER 0 makes the kernel send an RST."""
    transport = writer.transport
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass  # already closed
    transport.abort()


class Connection:
    """One accepted connection and its connection to the target, pumped both ways."""

    def __init__(self, link, client_reader, client_writer):
        self.link = link
        self.client = (client_reader, client_writer)
        self.target = None
        self.tasks = []

    async def run(self):
        link = self.link
        link.connections.add(self)
        try:
            # Hold a new connection while the way to the target is cut, as a lost SYN would.
            await link.directions["up"].wait_while("blackhole", "drop")
            if link.resetting:
                self.reset()
                return
            try:
                self.target = await asyncio.open_connection(*link.target)
            except OSError:
                self.reset()  # nothing listens there: the client sees its connection refused
                return
            self.tasks = [asyncio.ensure_future(self.pump(self.client[0], self.target[1], "up")),
                          asyncio.ensure_future(self.pump(self.target[0], self.client[1], "down"))]
            await asyncio.gather(*self.tasks, return_exceptions=True)
        finally:
            link.connections.discard(self)
            for _, writer in filter(None, (self.client, self.target)):
                writer.close()

    async def pump(self, reader, writer, direction_name):
        """Copies one direction through its mode until EOF, an error or a reset."""
        direction = self.link.directions[direction_name]
        queue = asyncio.Queue(QUEUED_CHUNKS_MAX)
        sender = asyncio.ensure_future(self.send(queue, writer, direction))
        try:
            while True:
                await direction.wait_while("blackhole")
                if self.link.resetting:
                    self.reset()
                    return
                data = await reader.read(READ_BYTES_MAX)
                if not data:
                    break
                if direction.mode == "drop":
                    direction.dropped_bytes += len(data)
                    continue
                await queue.put((time.monotonic() + direction.delay_ms / 1000, data))
            await queue.put(None)  # EOF: pass it on after what is queued
            await sender
        except (ConnectionError, OSError):
            self.reset()
        finally:
            sender.cancel()

    async def send(self, queue, writer, direction):
        try:
            while True:
                item = await queue.get()
                if item is None:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                deliver_at, data = item
                await asyncio.sleep(max(0.0, deliver_at - time.monotonic()))
                # Bytes read before a blackhole began wait for the heal too.
                await direction.wait_while("blackhole")
                writer.write(data)
                await writer.drain()
                direction.forwarded_bytes += len(data)
        except (ConnectionError, OSError):
            self.reset()  # the receiver is gone: so is the sender's side

    def reset(self):
        if self.client is None:
            return
        self.link.resets += 1
        for _, writer in filter(None, (self.client, self.target)):
            abort_with_rst(writer)
        for task in self.tasks:
            task.cancel()
        self.client = None
        self.target = None


class FaultProxy:
    """The proxy with its asyncio loop on a daemon thread; every method is thread-safe and
    returns once the loop has carried it out."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.links = {}
        self.thread = threading.Thread(target=self.loop.run_forever, name="fault-proxy",
                                       daemon=True)
        self.thread.start()

    def _call(self, coroutine_function, *args):
        async def wrapper():
            return await coroutine_function(*args)
        return asyncio.run_coroutine_threadsafe(wrapper(), self.loop).result(timeout=10)

    def add_link(self, name, target, listen_port=0):
        """Starts forwarding HOST:listen_port to target (host, port); returns the port."""
        return self._call(self._add_link, name, tuple(target), listen_port)

    def set(self, name, direction, mode, delay_ms=0):
        """Sets the mode of one direction ("up", "down" or "both") of a link."""
        if direction not in (*DIRECTIONS, "both"):
            raise ValueError(f"direction {direction!r}: up, down or both")
        if mode not in MODES:
            raise ValueError(f"mode {mode!r}: one of {', '.join(MODES)}")
        if mode == "delay" and not (isinstance(delay_ms, int) and delay_ms >= 0):
            raise ValueError("delay needs a whole number of milliseconds >= 0")
        self._call(self._set, name, direction, mode, delay_ms)

    def heal(self, name=None):
        """Back to pass both ways, on one link or on all."""
        for link_name in ([name] if name is not None else list(self.links)):
            self.set(link_name, "both", "pass")

    def stats(self, name=None):
        return self._call(self._stats, name)

    def close(self):
        if self.loop.is_closed():
            return
        self._call(self._close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    # --- on the loop ---------------------------------------------------------------------
    async def _add_link(self, name, target, listen_port):
        if name in self.links:
            raise ValueError(f"link {name!r} exists")
        link = Link(name, target)

        async def accept(reader, writer):
            link.accepted += 1
            await Connection(link, reader, writer).run()

        link.server = await asyncio.start_server(accept, HOST, listen_port)
        self.links[name] = link
        return link.server.sockets[0].getsockname()[1]

    async def _set(self, name, direction, mode, delay_ms):
        link = self._link(name)
        for direction_name in (DIRECTIONS if direction == "both" else (direction,)):
            link.directions[direction_name].set(mode, delay_ms)
        if mode == "reset":
            link.reset_all()

    async def _stats(self, name):
        if name is not None:
            return self._link(name).counters()
        return {link_name: link.counters() for link_name, link in self.links.items()}

    async def _close(self):
        for link in self.links.values():
            link.server.close()
            link.reset_all()
        others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    def _link(self, name):
        if name not in self.links:
            raise ValueError(f"no link {name!r}")
        return self.links[name]


def run_command(proxy, line):
    """One control line -> one reply line."""
    words = line.split()
    if not words:
        return "error: empty command"
    verb, arguments = words[0], words[1:]
    try:
        if verb == "link" and len(arguments) == 3:
            host, port = arguments[2].rsplit(":", 1)
            listen_port = proxy.add_link(arguments[0], (host, int(port)), int(arguments[1]))
            return f"ok {arguments[0]} listens on {HOST}:{listen_port}"
        if verb == "set" and len(arguments) in (3, 4):
            delay_ms = int(arguments[3]) if len(arguments) == 4 else 0
            proxy.set(arguments[0], arguments[1], arguments[2], delay_ms)
            return "ok"
        if verb == "heal" and len(arguments) <= 1:
            proxy.heal(*arguments)
            return "ok"
        if verb == "stats" and len(arguments) <= 1:
            return "ok " + json.dumps(proxy.stats(*arguments), sort_keys=True)
    except (ValueError, OSError) as error:
        return f"error: {error}"
    return f"error: unknown command {line.strip()!r} (link, set, heal, stats, quit)"


def serve_control(proxy, port):
    """Answers control lines on HOST:port, one client at a time, until `quit`."""
    with socket.create_server((HOST, port)) as server:
        print(f"fault_proxy: control on {HOST}:{server.getsockname()[1]}", flush=True)
        while True:
            connection, _ = server.accept()
            with connection, connection.makefile("rw") as stream:
                for line in stream:
                    if line.strip() == "quit":
                        stream.write("ok bye\n")
                        return
                    stream.write(run_command(proxy, line) + "\n")
                    stream.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--control", type=int, required=True,
                        help="the control port on 127.0.0.1 (0: a free one, printed)")
    parser.add_argument("--link", action="append", default=[],
                        metavar="NAME=LISTEN_PORT:HOST:PORT", help="a link to start with")
    options = parser.parse_args()
    proxy = FaultProxy()
    try:
        for spec in options.link:
            name, rest = spec.split("=", 1)
            listen_port, host, port = rest.split(":")
            print(run_command(proxy, f"link {name} {listen_port} {host}:{port}"), flush=True)
        serve_control(proxy, options.control)
    finally:
        proxy.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
