#!/usr/bin/python3
"""kcat (librdkafka 2.0.2) produces and consumes 10,000 keyed records with headers through
`brook serve`, once per compression codec: none, gzip, snappy, lz4, zstd.

For each codec, on its own auto-created one-partition topic:
  - `kcat -P -K '\\t' -H ... -z CODEC` sends key<TAB>value lines (values hold every byte except
    tab and newline) with acks=all and exits once all are acknowledged;
  - `kcat -C -o beginning -e -f '%k\\t%s\\t%h\\t%p\\t%o\\n'` reads them back: same keys, values
    and headers, byte for byte, in order, at offsets 0..9999 of partition 0;
  - a raw Fetch v4 (not kcat) shows the batches the broker serves carry CODEC and valid CRCs,
    so a client's silent fallback to no compression cannot pass unnoticed.

Usage: kcat_test.py path/to/brook   (or the librdkafka mock_broker, for developing this script)
"""

import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from brook_harness import CODECS, Test, check_batch_codecs, make_records  # noqa: E402

RECORDS = 10_000
STATIC_HEADERS = [("client", b"kcat"), ("trace", b"a=b;c")]


def check_codec(test, broker, codec):
    topic = f"kcat-{codec}"
    records = make_records(RECORDS, seed=zlib.crc32(codec.encode()), tag=codec, delimiter_safe=True)
    lines = b"".join(r["key"] + b"\t" + r["value"] + b"\n" for r in records)
    produce = ["kcat", "-P", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-K", "\t",
               "-z", codec, "-X", "acks=all", "-X", "linger.ms=5",
               "-X", "message.timeout.ms=30000"]
    for name, value in STATIC_HEADERS:
        produce += ["-H", f"{name}={value.decode()}"]
    result = test.run(produce, timeout=60, input_bytes=lines)
    test.check(b"Delivery failed" not in result.stderr and b"ERROR" not in result.stderr,
               f"{codec}: kcat -P acknowledged {RECORDS} keyed records with headers",
               result.stderr.decode(errors="replace")[-2000:])

    consume = ["kcat", "-C", "-b", broker.bootstrap, "-t", topic, "-p", "0", "-o", "beginning",
               "-e", "-c", str(RECORDS), "-q", "-f", "%k\t%s\t%h\t%p\t%o\n"]
    result = test.run(consume, timeout=60)
    got = result.stdout.split(b"\n")
    test.check(got[-1] == b"" and len(got) - 1 == RECORDS,
               f"{codec}: kcat -C read {RECORDS} records to the end of the partition",
               f"read {len(got) - 1} lines; stderr {result.stderr[-500:]!r}")
    expected_headers = b",".join(name.encode() + b"=" + value for name, value in STATIC_HEADERS)
    for index, (record, line) in enumerate(zip(records, got)):
        fields = line.split(b"\t")
        want = [record["key"], record["value"], expected_headers, b"0", str(index).encode()]
        if fields != want:
            test.check(False, f"{codec}: record {index} byte-identical",
                       f"expected {want!r:.200}\n got {fields!r:.200}")
    test.check(True, f"{codec}: keys, values and headers byte-identical, in order, offsets "
                     f"0..{RECORDS - 1} on partition 0")

    check_batch_codecs(test, broker.bootstrap, topic, codec)


def body(test):
    broker = test.broker({"num.partitions": 1, "auto.create.topics.enable": "true"})
    for codec in CODECS:
        test.part(codec, check_codec, test, broker, codec)


if __name__ == "__main__":
    Test("kcat", time_limit_s=240).main(body)
