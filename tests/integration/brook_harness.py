"""Shared helpers for the integration tests that run real Kafka clients against `brook serve`.

Each test script is given the path of the broker binary as argv[1] and does

    from brook_harness import Broker, Test, make_records

    def body(test):
        broker = test.broker()                       # brook serve on a free 127.0.0.1 port
        test.run(["kcat", "-L", "-b", broker.bootstrap], timeout=20)
        broker.restart(signal.SIGKILL)               # same port, same data directory
        test.check(condition, "what was checked")    # prints "ok: ..." or fails the test

    Test("kcat", time_limit_s=120).main(body)

`Test.main` bounds the whole test with an alarm, stops every broker and client process it
started (also on failure, timeout or SIGTERM from ctest; and through PR_SET_PDEATHSIG even if
the test itself is SIGKILLed), removes its temporary folder, and exits non-zero on failure
after printing the tail of each broker's log.

For developing the client scripts before Brook answers a request, argv[1] may also be
librdkafka's mock broker (`../shared/bench/.build/mock_broker`, built by that folder's build.sh):
an in-memory Kafka cluster with random ports. It keeps nothing across a restart, so tests skip
their restart checks on it (`broker.persistent` is False).

The Python Kafka clients are Debian packages that import only in /usr/bin/python3, which is
why ctest runs these scripts with that interpreter.
"""

import base64
import ctypes
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HOST = "127.0.0.1"
CODECS = ("none", "gzip", "snappy", "lz4", "zstd")
# Kafka's batch attribute bits 0-2.
CODEC_BY_ID = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
NODE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node")


class TestFailure(Exception):
    """A check that did not hold; the message says what was expected and what was seen."""


class TestTimeout(Exception):
    """The test's own time limit ran out (signal.alarm)."""


def _die_with_test():
    """Runs in each child before exec: the kernel SIGKILLs it if the test process dies, so not
    even a SIGKILL of the test (a runner's hard timeout) leaves a broker or client behind."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now (bound to port 0, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_for_port(port, timeout_s, process=None):
    """Waits until something accepts connections on HOST:port; fails early if process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise TestFailure(f"broker exited with status {process.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TestFailure(f"nothing listens on {HOST}:{port} after {timeout_s} s")


def poll(what, timeout_s, attempt, interval_s=0.1):
    """Calls attempt() until it returns something truthy; that value, or a TestFailure after
    timeout_s naming what was awaited and the last value seen."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = attempt()
        if last:
            return last
        time.sleep(interval_s)
    raise TestFailure(f"{what}: not within {timeout_s} s (last: {last!r:.300})")


def stop_process(process, sig=signal.SIGTERM, timeout_s=10):
    """Sends sig to process (and its group), waits, then SIGKILLs it. Returns the exit status."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
    return process.returncode


class Broker:
    """One broker process with its own port and data directory, restartable on both.

    `brook serve` gets Kafka's own configuration keys as overrides; the mock broker gets a
    single-node in-memory cluster with auto-created one-partition topics. A subclass may run
    another command (tools/cluster/local_cluster.py's Node: a KRaft node from its own
    server.properties, also used by tools/bench/).
    """

    def __init__(self, binary, workdir, overrides=None, start_timeout_s=20, arguments=()):
        self.binary = binary
        # Options of `brook serve` beside the overrides (--unsafe-lose-unsynced-writes).
        self.arguments = list(arguments)
        self.is_mock = "mock_broker" in os.path.basename(binary)
        self.persistent = not self.is_mock
        self.data_dir = os.path.join(workdir, "data")
        self.log_path = os.path.join(workdir, "broker.log")
        self.bootstrap_file = os.path.join(workdir, "mock.bootstrap")
        self.overrides = dict(overrides or {})
        self.start_timeout_s = start_timeout_s
        self.port = free_port()
        self.process = None
        self.starts = 0
        os.makedirs(self.data_dir, exist_ok=True)

    @property
    def bootstrap(self):
        return f"{HOST}:{self.port}"

    def command(self):
        if self.is_mock:
            return [self.binary, "-b", "1", "-d", "600", "-f", self.bootstrap_file]
        listener = f"PLAINTEXT://{HOST}:{self.port}"
        settings = {
            "listeners": listener,
            "advertised.listeners": listener,
            "log.dirs": self.data_dir,
            **self.overrides,
        }
        command = [self.binary, "serve", *self.arguments]
        for key, value in settings.items():
            command += ["--override", f"{key}={value}"]
        return command

    def start(self):
        """Starts the broker and waits until it accepts connections."""
        assert self.process is None or self.process.poll() is not None
        self.starts += 1
        log = open(self.log_path, "a")
        log.write(f"=== start {self.starts}: {' '.join(self.command())}\n")
        log.flush()
        if self.is_mock and os.path.exists(self.bootstrap_file):
            os.unlink(self.bootstrap_file)
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_test)
        log.close()
        if self.is_mock:
            self._read_mock_port()
        wait_for_port(self.port, self.start_timeout_s, self.process)
        return self

    def _read_mock_port(self):
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if os.path.exists(self.bootstrap_file):
                text = open(self.bootstrap_file).read().strip()
                if text:
                    self.port = int(text.split(",")[0].rsplit(":", 1)[1])
                    return
            if self.process.poll() is not None:
                raise TestFailure("mock broker exited before printing its bootstrap")
            time.sleep(0.05)
        raise TestFailure("mock broker printed no bootstrap")

    def stop(self, sig=signal.SIGTERM, timeout_s=15):
        """Stops the broker with sig (SIGKILL: a crash, nothing flushed). Returns its status."""
        if self.process is None:
            return None
        status = stop_process(self.process, sig, timeout_s)
        with open(self.log_path, "a") as log:
            log.write(f"=== stopped by {signal.Signals(sig).name}: status {status}\n")
        return status

    def restart(self, sig=signal.SIGTERM):
        """Stops with sig and starts again on the same port and data directory."""
        status = self.stop(sig)
        self.start()
        return status

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return "(no log)"


class Test:
    """Runs one integration test body with a time limit, cleanup and a clear verdict."""

    def __init__(self, name, time_limit_s):
        self.name = name
        # ctest passes each test's limit (tests/CMakeLists.txt: about three times its measured
        # time), a little below its own timeout, so that a hang is reported here with the logs.
        self.time_limit_s = int(os.environ.get("BROOK_TEST_TIME_LIMIT_S", time_limit_s))
        self.brokers = []
        self.processes = []
        self.checks = 0
        self.skips = []
        self.failed_parts = []
        self.workdir = None
        self.binary = None
        self.started = time.monotonic()

    # --- reporting -----------------------------------------------------------------------
    def log(self, message):
        print(f"[{self.name} {time.monotonic() - self.started:6.1f}s] {message}", flush=True)

    def check(self, condition, what, detail=""):
        """Counts and prints one passed check, or fails the test with detail."""
        if not condition:
            raise TestFailure(f"{what}: {detail}" if detail else what)
        self.checks += 1
        self.log(f"ok: {what}")

    def part(self, name, function, *args):
        """Runs one independent part of the test (one codec, say); a failed check there is
        printed and counted, and the test goes on with the next part, so one run shows every
        part that fails. The test fails at the end if any part did."""
        try:
            function(*args)
        except TestFailure as error:
            self.failed_parts.append(name)
            self.log(f"FAILED ({name}): {error}")

    def skip(self, what, reason):
        self.skips.append(what)
        self.log(f"SKIP: {what}: {reason}")

    # --- processes -----------------------------------------------------------------------
    def broker(self, overrides=None, arguments=()):
        """A started broker with its own port and data directory under the test's temp dir;
        arguments are further options of `brook serve`."""
        workdir = os.path.join(self.workdir, f"broker{len(self.brokers)}")
        os.makedirs(workdir)
        broker = Broker(self.binary, workdir, overrides, arguments=arguments)
        self.brokers.append(broker)
        broker.start()
        self.log(f"broker up at {broker.bootstrap}"
                 + (" (librdkafka mock: in memory)" if broker.is_mock else f", data {broker.data_dir}"))
        return broker

    def run(self, command, timeout, input_bytes=None, env=None, check=True):
        """Runs a client to completion within timeout seconds; returns CompletedProcess."""
        process = subprocess.Popen(command, stdin=subprocess.PIPE if input_bytes is not None
                                   else subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=env, start_new_session=True,
                                   preexec_fn=_die_with_test)
        self.processes.append(process)
        try:
            stdout, stderr = process.communicate(input_bytes, timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(process, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise TestFailure(f"{command[0]} did not finish in {timeout} s; stderr:\n"
                              + stderr.decode(errors="replace")[-3000:])
        except BaseException:  # the test's alarm or SIGTERM: the client goes too
            stop_process(process, signal.SIGKILL)
            raise
        finally:
            self.processes.remove(process)
        result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
        if check and process.returncode != 0:
            raise TestFailure(f"{' '.join(command[:3])}... exited {process.returncode}; stderr:\n"
                              + stderr.decode(errors="replace")[-3000:])
        return result

    def temp_path(self, name):
        return os.path.join(self.workdir, name)

    # --- lifecycle -----------------------------------------------------------------------
    def _cleanup(self):
        for process in list(self.processes):
            stop_process(process, signal.SIGKILL)
        for broker in self.brokers:
            try:
                broker.stop()
            except Exception as error:  # cleanup goes on for the others
                print(f"cleanup: {error}", file=sys.stderr)
        if self.workdir and os.environ.get("BROOK_KEEP_TEMP") != "1":
            shutil.rmtree(self.workdir, ignore_errors=True)

    def main(self, body):
        if len(sys.argv) < 2:
            print(f"usage: {sys.argv[0]} path/to/brook", file=sys.stderr)
            sys.exit(2)
        self.binary = os.path.abspath(sys.argv[1])

        def on_alarm(signum, frame):
            raise TestTimeout(f"test time limit of {self.time_limit_s} s ran out")

        def on_term(signum, frame):
            raise TestFailure(f"stopped by {signal.Signals(signum).name}")

        signal.signal(signal.SIGALRM, on_alarm)
        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_term)
        signal.alarm(self.time_limit_s)
        self.workdir = tempfile.mkdtemp(prefix=f"brook-{self.name}-")
        self.log(f"broker binary {self.binary}, temp {self.workdir}, limit {self.time_limit_s} s")
        failed = None
        try:
            body(self)
            if self.failed_parts:
                raise TestFailure(f"{len(self.failed_parts)} parts failed: "
                                  + ", ".join(self.failed_parts) + " (FAILED lines above)")
        except (TestFailure, TestTimeout, Exception) as error:
            failed = error
            traceback.print_exc()
        finally:
            signal.alarm(0)
            if failed is not None:
                for broker in self.brokers:
                    print(f"--- broker log tail ({broker.log_path}) ---\n{broker.log_tail()}")
            try:
                self._cleanup()
            except TestTimeout:
                pass
        elapsed = time.monotonic() - self.started
        skipped = f", {len(self.skips)} skipped ({'; '.join(self.skips)})" if self.skips else ""
        if failed is not None:
            print(f"FAIL {self.name} after {self.checks} checks in {elapsed:.1f} s{skipped}: {failed}")
            sys.exit(1)
        print(f"PASS {self.name}: {self.checks} checks in {elapsed:.1f} s{skipped}")


# --- records -------------------------------------------------------------------------------

def start_mock_cluster(test, args):
    """librdkafka's mock cluster (rdkafka_mock_cluster.c beside this file, built into the test's
    temp dir), started with `args` (BROKERS [--move-leaders-ms MS] TOPIC:PARTITIONS:RF...);
    returns the process, which the test stops, and its bootstrap list."""
    binary = test.temp_path("rdkafka_mock_cluster")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "rdkafka"], check=True,
                           capture_output=True, text=True).stdout.split()
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rdkafka_mock_cluster.c")
    test.run(["gcc", "-O1", "-o", binary, source, *flags], timeout=60)
    cluster = subprocess.Popen([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True, preexec_fn=_die_with_test)
    test.processes.append(cluster)
    return cluster, cluster.stdout.readline().decode().strip()


def make_records(count, seed, tag, partition=0, delimiter_safe=False):
    """count deterministic records for one partition: distinct keys, values of 1-300 bytes,
    two or three headers each. delimiter_safe keeps tab and newline out of keys and values
    (kcat reads delimited text); otherwise values hold any byte, and some are empty.
    """
    generator = random.Random(seed)
    alphabet = bytes(b for b in range(256) if b not in (9, 10)) if delimiter_safe else None
    records = []
    for index in range(count):
        length = generator.choice((1, 7, 40, 100, 300)) if delimiter_safe else \
            generator.choice((0, 1, 7, 40, 100, 300))
        if alphabet is not None:
            body = bytes(generator.choice(alphabet) for _ in range(length))
        else:
            body = generator.randbytes(length)
        # A readable prefix makes a mismatch easy to locate; repeated text makes codecs work.
        value = f"{tag}:{index:06d}:".encode() + b"compressible " * (index % 5) + body
        key = f"key-{index % 1000:03d}-{index}".encode()
        headers = [("index", str(index).encode()), ("tag", tag.encode())]
        if index % 3 == 0:
            headers.append(("bytes", body[:16]))
        records.append({"partition": partition, "key": key, "value": value, "headers": headers})
    return records


def records_to_jsonl(records, path):
    import json
    with open(path, "w") as out:
        for record in records:
            out.write(json.dumps({
                "partition": record["partition"],
                "key": None if record["key"] is None else base64.b64encode(record["key"]).decode(),
                "value": None if record["value"] is None else base64.b64encode(record["value"]).decode(),
                "headers": [[name, base64.b64encode(value).decode()] for name, value in record["headers"]],
            }) + "\n")


def records_from_jsonl(path):
    import json
    records = []
    with open(path) as lines:
        for line in lines:
            if not line.strip():
                continue
            item = json.loads(line)
            records.append({
                "partition": item["partition"],
                "offset": item.get("offset"),
                "key": None if item["key"] is None else base64.b64decode(item["key"]),
                "value": None if item["value"] is None else base64.b64decode(item["value"]),
                "headers": [(name, base64.b64decode(value)) for name, value in item["headers"]],
            })
    return records


def first_difference(expected, got, fields=("key", "value", "headers")):
    """None if both lists hold the same records in the same order, else a readable difference."""
    for index, (want, have) in enumerate(zip(expected, got)):
        for field in fields:
            if want[field] != have[field]:
                return (f"record {index}: {field} expected {want[field]!r:.120} "
                        f"got {have[field]!r:.120}")
    if len(expected) != len(got):
        return f"expected {len(expected)} records, got {len(got)}"
    return None


# --- a raw look at what the broker stores -------------------------------------------------

def fetch_batches(bootstrap, topic, partition, timeout_s=20, max_batches=100000):
    """Reads a partition from offset 0 with plain Fetch v4 requests and returns one
    (base_offset, last_offset_delta, codec, crc_ok) per record batch, as the broker sends them.

    This is independent of the clients under test, so it shows which compression the client
    really used (librdkafka silently falls back to none when the broker's ranges lack zstd)
    and that the broker kept the batch whole, CRC and all.
    """
    from kafka.protocol.fetch import FetchRequest
    from kafka.protocol.parser import KafkaProtocol
    from kafka.record import MemoryRecords

    host, port = bootstrap.rsplit(":", 1)
    protocol = KafkaProtocol(client_id="brook-test-raw-fetch")
    batches = []
    offset = 0
    deadline = time.monotonic() + timeout_s
    with socket.create_connection((host, int(port)), timeout=timeout_s) as connection:
        while len(batches) < max_batches and time.monotonic() < deadline:
            request = FetchRequest[4](replica_id=-1, max_wait_time=100, min_bytes=1,
                                      max_bytes=8 << 20, isolation_level=0,
                                      topics=[(topic, [(partition, offset, 4 << 20)])])
            protocol.send_request(request)
            connection.sendall(protocol.send_bytes())
            responses = []
            while not responses:
                chunk = connection.recv(1 << 20)
                if not chunk:
                    raise TestFailure("broker closed the raw Fetch connection")
                responses = protocol.receive_bytes(chunk)
            _, response = responses[0]
            _, partitions = response.topics[0]
            (_, error_code, high_watermark, _, _, records_bytes) = partitions[0]
            if error_code != 0:
                raise TestFailure(f"raw Fetch v4 at offset {offset}: error code {error_code}")
            records = MemoryRecords(records_bytes)
            progressed = False
            while True:
                batch = records.next_batch()
                if batch is None:
                    break
                if batch.base_offset + batch.last_offset_delta < offset:
                    continue
                batches.append((batch.base_offset, batch.last_offset_delta,
                                CODEC_BY_ID.get(batch.compression_type, "?"), batch.validate_crc()))
                offset = batch.base_offset + batch.last_offset_delta + 1
                progressed = True
            if offset >= high_watermark:
                break
            if not progressed:
                time.sleep(0.05)
    return batches


def check_batch_codecs(test, bootstrap, topic, codec, partition=0):
    """Checks with a raw fetch that the partition's batches carry codec and valid CRCs.

    librdkafka sends a batch uncompressed when compressing would not shrink it (small batches
    of a few records, depending on timing), so batches without compression beside the codec's
    are accepted; at least one must carry the codec, which shows the client enabled it (a
    client that turned the codec off, as librdkafka 2.0 does when a probe version is not
    advertised, sends none). Any other codec, or a bad CRC, fails.
    """
    batches = fetch_batches(bootstrap, topic, partition)
    counts = {}
    for _, _, batch_codec, _ in batches:
        counts[batch_codec] = counts.get(batch_codec, 0) + 1
    bad_crcs = sum(1 for *_, crc_ok in batches if not crc_ok)
    summary = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
    test.check(bad_crcs == 0 and set(counts) <= {codec, "none"}
               and counts.get(codec, 0) >= 1,
               f"{codec}: raw fetch of {topic} sees batches {summary}, all CRCs valid",
               f"{bad_crcs} bad CRCs; expected some {codec} batches and no other codec")
