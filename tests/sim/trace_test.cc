#include "sim/trace.h"

#include <catch2/catch.hpp>
#include <string>

// The trace hashes an event's fields, not its line: these check that the hash does not depend on
// whether lines are written, and that it still tells apart what the lines tell apart.
namespace brook::sim {
namespace {

Instant at(int64_t micros) { return Instant(microseconds(micros)); }

// A few events of every kind of argument the simulator passes.
void record_sample(Trace& trace, std::string_view path) {
    trace.recordf(at(1), "n1", "disk.write", "file={} offset={} length={}", path, 4096, 512u);
    trace.recordf(at(2), "n1", "net.send", "conn={} to={} bytes={} arrive={}", 7, "n2", 1,
                  at(2050));
    trace.recordf(at(3), "n2", "disk.synced", "file={} made_durable={}", std::string(path), true);
    trace.record(at(4), "sim", "net.heal", "all");
}

uint64_t hash_of(void (*record)(Trace&)) {
    Trace trace;
    record(trace);
    return trace.hash();
}

TEST_CASE("trace: the hash is the same whether lines are kept or not, and lines are unchanged") {
    Trace quiet;
    record_sample(quiet, "p0/0.log");
    Trace kept;
    kept.keep_lines(true);
    record_sample(kept, "p0/0.log");
    CHECK(kept.hash() == quiet.hash());
    CHECK(kept.event_count() == 4);
    CHECK(quiet.event_count() == 4);
    CHECK(quiet.lines().empty());
    CHECK(kept.lines() ==
          "0.000001s n1 disk.write file=p0/0.log offset=4096 length=512\n"
          "0.000002s n1 net.send conn=7 to=n2 bytes=1 arrive=0.002050s\n"
          "0.000003s n2 disk.synced file=p0/0.log made_durable=true\n"
          "0.000004s sim net.heal all\n");
}

TEST_CASE("trace: a change in any field changes the hash") {
    Trace base;
    record_sample(base, "p0/0.log");
    Trace other_path;
    record_sample(other_path, "p0/1.log");
    CHECK(other_path.hash() != base.hash());

    auto one = [](Trace& trace) { trace.recordf(at(1), "n1", "k", "a={} b={}", 1, 2); };
    uint64_t reference = hash_of(one);
    CHECK(hash_of([](Trace& trace) { trace.recordf(at(2), "n1", "k", "a={} b={}", 1, 2); }) !=
          reference);
    CHECK(hash_of([](Trace& trace) { trace.recordf(at(1), "n2", "k", "a={} b={}", 1, 2); }) !=
          reference);
    CHECK(hash_of([](Trace& trace) { trace.recordf(at(1), "n1", "j", "a={} b={}", 1, 2); }) !=
          reference);
    CHECK(hash_of([](Trace& trace) { trace.recordf(at(1), "n1", "k", "a={} c={}", 1, 2); }) !=
          reference);
    CHECK(hash_of([](Trace& trace) { trace.recordf(at(1), "n1", "k", "a={} b={}", 1, 3); }) !=
          reference);
    CHECK(hash_of(one) == reference);
}

TEST_CASE("trace: strings are hashed with their lengths, so their boundaries count") {
    auto split = [](Trace& trace) { trace.recordf(at(1), "n1", "k", "{}{}", "ab", "c"); };
    auto moved = [](Trace& trace) { trace.recordf(at(1), "n1", "k", "{}{}", "a", "bc"); };
    CHECK(hash_of(split) != hash_of(moved));
    // Longer than a word, and differing only in the last, partial one.
    auto long_a = [](Trace& trace) { trace.record(at(1), "n1", "k", "0123456789abcdefX"); };
    auto long_b = [](Trace& trace) { trace.record(at(1), "n1", "k", "0123456789abcdefY"); };
    CHECK(hash_of(long_a) != hash_of(long_b));
}

TEST_CASE("trace: every byte of a string counts, whatever its length") {
    // Strings are hashed a word at a time with the tail read by overlapping loads: a change in
    // any one byte, at any length around the word size, must change the hash.
    for (std::size_t length = 1; length <= 24; ++length) {
        std::string text(length, 'a');
        Trace reference;
        reference.record(at(1), "n1", "k", text);
        for (std::size_t at_byte = 0; at_byte < length; ++at_byte) {
            std::string changed = text;
            changed[at_byte] = 'b';
            Trace other;
            other.record(at(1), "n1", "k", changed);
            INFO("length " << length << ", byte " << at_byte);
            CHECK(other.hash() != reference.hash());
        }
    }
}

}  // namespace
}  // namespace brook::sim
