#include "sim/sim_disk.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sim/sim_reactor.h"
#include "tests/bounded_property.h"

namespace brook::sim {
namespace {

using Bytes = std::vector<uint8_t>;

// One node: virtual time, a scheduler, a trace and the disk under test. Members are destroyed
// in reverse: the disk goes before the scheduler it parks fibers on.
struct Rig {
    explicit Rig(uint64_t seed = 1, const SimDiskFaults& faults = {})
        : disk(scheduler, Random(seed), trace, "n1") {
        disk.set_faults(faults);
    }

    // Runs `body` in a fiber until nothing is left to do (sync parks, so it needs a fiber).
    void run(std::function<void()> body) {
        scheduler.spawn("test", std::move(body));
        REQUIRE(scheduler.run() == Scheduler::RunEnd::idle);
    }
    Result<void> sync(File& file) {
        Result<void> result;
        run([&] { result = file.sync(); });
        return result;
    }
    Result<void> sync_directory(std::string_view path) {
        Result<void> result;
        run([&] { result = disk.sync_directory(path); });
        return result;
    }
    std::unique_ptr<File> open(std::string_view path, OpenMode mode = OpenMode::create) {
        auto file = disk.open(path, mode);
        REQUIRE(file.ok());
        return std::move(file).value();
    }
    Bytes current(std::string_view path) { return disk.current_contents(path).value(); }
    Bytes durable(std::string_view path) { return disk.durable_contents(path).value(); }

    SimReactor reactor;
    Scheduler scheduler{reactor};
    Trace trace;
    SimDisk disk;
};

Bytes pattern(std::size_t length, uint8_t seed) {
    Bytes bytes(length);
    for (std::size_t i = 0; i < length; ++i) bytes[i] = static_cast<uint8_t>(seed + i * 7);
    return bytes;
}

void apply_write(Bytes& bytes, uint64_t offset, const Bytes& data) {
    if (data.empty()) return;
    if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size(), 0);
    std::copy(data.begin(), data.end(), bytes.begin() + static_cast<std::ptrdiff_t>(offset));
}

SimDiskFaults lose_everything_unsynced() {
    SimDiskFaults faults;
    faults.crash_keep_none_ppm = kPartsPerMillion;
    return faults;
}

SimDiskFaults keep_everything_untorn() {
    SimDiskFaults faults;
    faults.crash_keep_all_ppm = kPartsPerMillion;
    faults.crash_tear_ppm = 0;
    return faults;
}

// Each property in its own SECTION, with an upper bound on runs (tests/bounded_property.h), so
// the file stays fast whatever RC_PARAMS says.
template <typename Testable>
void bounded_prop(const std::string& description, int runs, Testable&& testable) {
    SECTION(description) {
        brook::testing::bounded_property(description, runs, std::forward<Testable>(testable));
    }
}

// --- Paths, open, directories ---

TEST_CASE("sim disk: paths are relative without empty, '.' or '..' parts") {
    Rig rig;
    for (std::string_view bad : {"/a", "a//b", "a/", "./a", "a/..", "a/./b", ""}) {
        INFO(bad);
        auto file = rig.disk.open(bad, OpenMode::create);
        REQUIRE_FALSE(file.ok());
        REQUIRE(file.error().code() == ErrorCode::invalid_argument);
    }
    REQUIRE(rig.disk.make_directory("/x").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.exists("a/../b").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.remove("").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.exists("").value());  // the root
}

TEST_CASE("sim disk: open modes and their errors") {
    Rig rig;
    REQUIRE(rig.disk.open("f", OpenMode::read_only).error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.open("f", OpenMode::read_write).error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.open("missing/f", OpenMode::create).error().code() == ErrorCode::not_found);
    auto file = rig.open("f", OpenMode::create_new);
    REQUIRE(rig.disk.open("f", OpenMode::create_new).error().code() == ErrorCode::already_exists);
    REQUIRE(rig.disk.open("f", OpenMode::create).ok());
    REQUIRE(rig.disk.open("f/g", OpenMode::create).error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.make_directory("d").ok());
    REQUIRE(rig.disk.open("d", OpenMode::read_only).error().code() == ErrorCode::invalid_argument);

    auto reader = rig.open("f", OpenMode::read_only);
    Bytes bytes{1, 2, 3};
    REQUIRE(reader->write_at(0, bytes).error().code() == ErrorCode::invalid_argument);
    REQUIRE(reader->truncate(0).error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.open_file_count() == 2);
    reader.reset();
    REQUIRE(rig.disk.open_file_count() == 1);
}

TEST_CASE("sim disk: reads see pending writes, gaps read as zeros, short reads at the end") {
    Rig rig;
    auto file = rig.open("f");
    REQUIRE(file->write_at(4, pattern(4, 10)).ok());
    REQUIRE(file->size().value() == 8);
    Bytes buffer(16, 0xff);
    REQUIRE(file->read_at(0, buffer).value() == 8);
    REQUIRE(Bytes(buffer.begin(), buffer.begin() + 8) == Bytes{0, 0, 0, 0, 10, 17, 24, 31});
    REQUIRE(file->read_at(8, buffer).value() == 0);
    REQUIRE(file->read_at(100, buffer).value() == 0);
    REQUIRE(file->truncate(6).ok());
    REQUIRE(rig.current("f") == Bytes{0, 0, 0, 0, 10, 17});
    REQUIRE(file->truncate(8).ok());
    REQUIRE(rig.current("f") == Bytes{0, 0, 0, 0, 10, 17, 0, 0});
    REQUIRE(rig.disk.pending_operation_count("f").value() == 3);
    REQUIRE(rig.durable("f").empty());
}

TEST_CASE("sim disk: directories list sorted, refuse non-empty removal, rename replaces") {
    Rig rig;
    REQUIRE(rig.disk.make_directory("a/b/c").ok());
    REQUIRE(rig.disk.make_directory("a/b").ok());  // exists already: fine
    REQUIRE(rig.disk.exists("a/b/c").value());
    for (std::string_view name : {"a/zeta", "a/Alpha", "a/beta"}) rig.open(name);
    REQUIRE(rig.disk.list_directory("a").value() ==
            std::vector<std::string>{"Alpha", "b", "beta", "zeta"});
    REQUIRE(rig.disk.list_directory("a/zeta").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.list_directory("nope").error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.make_directory("a/zeta").error().code() == ErrorCode::already_exists);
    REQUIRE(rig.disk.remove("a/b").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.remove("a/b/c").ok());
    REQUIRE(rig.disk.remove("a/b/c").error().code() == ErrorCode::not_found);

    auto beta = rig.open("a/beta");
    REQUIRE(beta->write_at(0, pattern(3, 1)).ok());
    REQUIRE(rig.disk.rename("a/beta", "a/zeta").ok());
    REQUIRE(rig.current("a/zeta") == pattern(3, 1));
    REQUIRE_FALSE(rig.disk.exists("a/beta").value());
    REQUIRE(rig.disk.rename("a/beta", "a/x").error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.rename("a/zeta", "a/b").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.rename("a", "a/b/inside").error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.rename("a/zeta", "missing/zeta").error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.rename("a/b", "moved").ok());
    REQUIRE(rig.disk.list_directory("").value() == std::vector<std::string>{"a", "moved"});
    // Writes through a handle still reach the renamed file.
    REQUIRE(beta->write_at(3, pattern(1, 9)).ok());
    REQUIRE(rig.current("a/zeta").size() == 4);
}

// --- Sync and latency ---

TEST_CASE("sim disk: sync parks for a latency in range and makes pending operations durable") {
    SimDiskFaults faults;
    faults.sync_latency_min = milliseconds(3);
    faults.sync_latency_max = milliseconds(5);
    Rig rig(7, faults);
    auto file = rig.open("f");
    REQUIRE(file->write_at(0, pattern(100, 1)).ok());
    REQUIRE(file->truncate(50).ok());
    Instant start = rig.scheduler.now();
    REQUIRE(rig.sync(*file).ok());
    Duration waited = rig.scheduler.now() - start;
    REQUIRE(waited >= milliseconds(3));
    REQUIRE(waited <= milliseconds(5));
    REQUIRE(rig.disk.pending_operation_count("f").value() == 0);
    Bytes written = pattern(100, 1);
    REQUIRE(rig.durable("f") == Bytes(written.begin(), written.begin() + 50));
    REQUIRE(rig.durable("f") == rig.current("f"));
}

TEST_CASE("sim disk: writes made while a sync waits stay pending") {
    Rig rig;
    auto file = rig.open("f");
    REQUIRE(file->write_at(0, pattern(10, 1)).ok());
    Result<void> synced;
    rig.scheduler.spawn("syncer", [&] { synced = file->sync(); });
    rig.scheduler.spawn("writer", [&] { (void)file->write_at(10, pattern(10, 2)); });
    REQUIRE(rig.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(synced.ok());
    REQUIRE(rig.durable("f") == pattern(10, 1));
    REQUIRE(rig.disk.pending_operation_count("f").value() == 1);
    REQUIRE(rig.current("f").size() == 20);
}

TEST_CASE("sim disk: a slow sync finishing after a fast later one does not undo it") {
    SimDiskFaults slow;
    slow.sync_latency_min = slow.sync_latency_max = milliseconds(10);
    SimDiskFaults fast;
    fast.sync_latency_min = fast.sync_latency_max = milliseconds(1);
    Rig rig(1, slow);
    auto file = rig.open("f");
    REQUIRE(file->write_at(0, pattern(10, 1)).ok());
    // Each fiber runs until it parks: "slow" starts first, "fast" starts and finishes first.
    rig.scheduler.spawn("slow file", [&] { (void)file->sync(); });  // covers the first write
    rig.scheduler.spawn("fast file", [&] {
        rig.disk.set_faults(fast);
        (void)file->write_at(10, pattern(10, 2));
        (void)file->sync();  // covers both writes
    });
    REQUIRE(rig.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(rig.disk.pending_operation_count("f").value() == 0);
    REQUIRE(rig.durable("f").size() == 20);

    rig.disk.set_faults(slow);
    rig.scheduler.spawn("slow directory", [&] { (void)rig.disk.sync_directory(""); });  // {f}
    rig.scheduler.spawn("fast directory", [&] {
        rig.disk.set_faults(fast);
        rig.open("g");
        (void)rig.disk.sync_directory("");  // {f, g}
    });
    REQUIRE(rig.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(rig.disk.durable_entries("").value() == std::vector<std::string>{"f", "g"});
}

TEST_CASE("sim disk: a file removed while a directory sync waits is not made durable by it") {
    SimDiskFaults slow;
    slow.sync_latency_min = slow.sync_latency_max = milliseconds(10);
    Rig rig(1, slow);
    rig.open("kept");
    rig.open("gone");  // closed at once: only its entry keeps it
    rig.scheduler.spawn("sync", [&] { REQUIRE(rig.disk.sync_directory("").ok()); });
    rig.scheduler.spawn("remove", [&] { REQUIRE(rig.disk.remove("gone").ok()); });
    REQUIRE(rig.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(rig.disk.durable_entries("").value() == std::vector<std::string>{"kept"});
    rig.disk.crash();
    REQUIRE(rig.disk.list_directory("").value() == std::vector<std::string>{"kept"});
}

TEST_CASE("sim disk: a removed or replaced file lives while open or durably named") {
    Rig rig(3, keep_everything_untorn());
    auto first = rig.open("a");
    REQUIRE(first->write_at(0, pattern(10, 1)).ok());
    REQUIRE(rig.sync_directory("").ok());  // "a" is durably named
    auto second = rig.open("b");
    REQUIRE(second->write_at(0, pattern(10, 2)).ok());
    REQUIRE(rig.disk.rename("b", "a").ok());  // the first "a" is replaced but durably named
    first.reset();
    REQUIRE(rig.disk.remove("a").ok());  // the second: open, so it lives on
    REQUIRE(second->write_at(10, pattern(10, 3)).ok());
    REQUIRE(rig.disk.used_bytes() == 20);
    second.reset();
    REQUIRE(rig.disk.used_bytes() == 0);
    rig.disk.crash();  // the durable entry brings the first "a" back, with its synced entry only
    REQUIRE(rig.disk.list_directory("").value() == std::vector<std::string>{"a"});
    REQUIRE(rig.current("a") == pattern(10, 1));
    REQUIRE(rig.sync_directory("").ok());
    REQUIRE(rig.disk.remove("a").ok());
    REQUIRE(rig.sync_directory("").ok());
    rig.disk.crash();
    REQUIRE(rig.disk.list_directory("").value().empty());
}

// --- Crash ---

TEST_CASE("sim disk: a crash loses unsynced entries and bytes, keeps synced ones") {
    Rig rig(3, lose_everything_unsynced());
    REQUIRE(rig.disk.make_directory("d").ok());
    auto kept = rig.open("d/kept");
    auto lost = rig.open("d/lost");
    REQUIRE(kept->write_at(0, pattern(600, 1)).ok());
    REQUIRE(lost->write_at(0, pattern(600, 2)).ok());
    REQUIRE(rig.sync(*kept).ok());
    REQUIRE(rig.sync(*lost).ok());
    REQUIRE(rig.sync_directory("d").ok());
    // "d" itself is not yet a durable entry of the root.
    REQUIRE(rig.disk.durable_entries("").value().empty());
    REQUIRE(rig.sync_directory("").ok());
    REQUIRE(rig.disk.durable_entries("").value() == std::vector<std::string>{"d"});
    REQUIRE(kept->write_at(600, pattern(10, 3)).ok());  // unsynced append
    REQUIRE(rig.disk.remove("d/lost").ok());            // unsynced remove
    auto fresh = rig.open("d/fresh");                   // unsynced create
    rig.disk.crash();
    REQUIRE(rig.disk.list_directory("d").value() == std::vector<std::string>{"kept", "lost"});
    REQUIRE(rig.current("d/kept") == pattern(600, 1));
    REQUIRE(rig.current("d/lost") == pattern(600, 2));
    REQUIRE(rig.disk.pending_operation_count("d/kept").value() == 0);
    REQUIRE(rig.disk.crash_count() == 1);
    // Handles from before the crash are dead.
    Bytes buffer(4);
    REQUIRE(kept->read_at(0, buffer).error().code() == ErrorCode::io_error);
    REQUIRE(kept->write_at(0, buffer).error().code() == ErrorCode::io_error);
    REQUIRE(kept->size().error().code() == ErrorCode::io_error);
    REQUIRE(rig.disk.open_file_count() == 0);
}

TEST_CASE("sim disk: a crash of a directory whose parent was not synced loses the subtree") {
    Rig rig(3, keep_everything_untorn());
    REQUIRE(rig.disk.make_directory("a/b").ok());
    rig.open("a/b/f");
    REQUIRE(rig.sync_directory("a/b").ok());
    REQUIRE(rig.sync_directory("a").ok());
    rig.disk.crash();
    REQUIRE(rig.disk.list_directory("").value().empty());
    REQUIRE_FALSE(rig.disk.exists("a/b/f").value());
}

TEST_CASE("sim disk: a crash keeping everything keeps every pending operation") {
    Rig rig(3, keep_everything_untorn());
    auto file = rig.open("f");
    REQUIRE(rig.sync_directory("").ok());
    REQUIRE(file->write_at(0, pattern(2000, 1)).ok());
    REQUIRE(file->truncate(1500).ok());
    REQUIRE(file->write_at(1400, pattern(300, 2)).ok());
    Bytes expected = rig.current("f");
    rig.disk.crash();
    REQUIRE(rig.current("f") == expected);
    REQUIRE(rig.durable("f") == expected);
}

TEST_CASE("sim disk: a sync in progress when the node crashes never completes") {
    SimDiskFaults faults = lose_everything_unsynced();
    faults.sync_latency_min = milliseconds(10);
    faults.sync_latency_max = milliseconds(10);
    Rig rig(3, faults);
    auto file = rig.open("f");
    REQUIRE(rig.sync_directory("").ok());
    bool returned = false;
    constexpr FiberGroup kNode = 5;
    rig.scheduler.spawn_in_group(kNode, "node", [&] {
        (void)file->write_at(0, pattern(100, 1));
        (void)file->sync();
        returned = true;
    });
    rig.scheduler.run_until(rig.scheduler.now() + milliseconds(5));
    REQUIRE(rig.scheduler.fiber_count() == 1);
    rig.scheduler.kill_group(kNode);
    rig.disk.crash();
    REQUIRE(rig.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE_FALSE(returned);
    REQUIRE(rig.current("f").empty());
    // The disk is usable afterwards (the node restarts).
    auto again = rig.open("f", OpenMode::read_write);
    REQUIRE(again->write_at(0, pattern(10, 2)).ok());
    REQUIRE(rig.sync(*again).ok());
    REQUIRE(rig.durable("f") == pattern(10, 2));
}

// --- Faults ---

TEST_CASE("sim disk: injected io errors on read, write, sync and sync_directory") {
    Rig rig(11);
    auto file = rig.open("f");
    REQUIRE(file->write_at(0, pattern(100, 1)).ok());
    SimDiskFaults faults;
    faults.read_error_ppm = kPartsPerMillion;
    faults.write_error_ppm = kPartsPerMillion;
    faults.sync_error_ppm = kPartsPerMillion;
    faults.sync_directory_error_ppm = kPartsPerMillion;
    rig.disk.set_faults(faults);

    Bytes buffer(10);
    REQUIRE(file->read_at(0, buffer).error().code() == ErrorCode::io_error);
    // A failed write leaves a prefix of its bytes (maybe none) written, as a pending op.
    Bytes before = rig.current("f");
    Bytes data = pattern(300, 5);
    REQUIRE(file->write_at(50, data).error().code() == ErrorCode::io_error);
    Bytes after = rig.current("f");
    bool is_prefix_write = false;
    for (std::size_t n = 0; n <= data.size(); ++n) {
        Bytes expected = before;
        apply_write(expected, 50, Bytes(data.begin(), data.begin() + n));
        is_prefix_write = is_prefix_write || expected == after;
    }
    REQUIRE(is_prefix_write);
    std::size_t pending = rig.disk.pending_operation_count("f").value();
    REQUIRE(rig.sync(*file).error().code() == ErrorCode::io_error);
    REQUIRE(rig.disk.pending_operation_count("f").value() == pending);
    REQUIRE(rig.durable("f").empty());
    REQUIRE(rig.sync_directory("").error().code() == ErrorCode::io_error);
    REQUIRE(rig.disk.durable_entries("").value().empty());

    rig.disk.set_faults({});
    REQUIRE(rig.sync(*file).ok());
    REQUIRE(rig.sync_directory("").ok());
    REQUIRE(rig.durable("f") == after);
}

int differing_bits(const Bytes& a, const Bytes& b) {
    REQUIRE(a.size() == b.size());
    int bits = 0;
    for (std::size_t i = 0; i < a.size(); ++i) bits += __builtin_popcount(a[i] ^ b[i]);
    return bits;
}

TEST_CASE("sim disk: a silent bit flip on write changes exactly one bit and reports success") {
    SimDiskFaults faults;
    faults.write_bit_flip_ppm = kPartsPerMillion;
    Rig rig(5, faults);
    auto file = rig.open("f");
    Bytes data = pattern(1000, 3);
    REQUIRE(file->write_at(0, data).ok());
    REQUIRE(differing_bits(rig.current("f"), data) == 1);
}

TEST_CASE("sim disk: corrupt and flip_random_bit damage durable bytes, and a crash keeps it") {
    Rig rig(5, keep_everything_untorn());
    auto file = rig.open("f");
    REQUIRE(rig.sync_directory("").ok());
    Bytes data = pattern(1000, 3);
    REQUIRE(file->write_at(0, data).ok());
    REQUIRE(rig.disk.corrupt("f", 0).error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.sync(*file).ok());
    REQUIRE(rig.disk.corrupt("f", 1000).error().code() == ErrorCode::invalid_argument);
    REQUIRE(rig.disk.corrupt("nope", 0).error().code() == ErrorCode::not_found);
    REQUIRE(rig.disk.corrupt("f", 10).ok());
    REQUIRE(differing_bits(rig.durable("f"), data) == 1);
    REQUIRE(differing_bits(rig.current("f"), data) == 1);
    uint64_t offset = rig.disk.flip_random_bit("f").value();
    REQUIRE(offset < 1000);
    rig.disk.crash();
    int bits = differing_bits(rig.current("f"), data);
    REQUIRE((bits == 2 || (offset == 10 && bits <= 2)));
    // A pending write over a damaged byte hides it from reads until the damage is overwritten.
    auto again = rig.open("f", OpenMode::read_write);
    REQUIRE(again->write_at(0, data).ok());
    REQUIRE(rig.current("f") == data);
}

TEST_CASE("sim disk: no_space refuses a write or truncate and changes nothing; space returns") {
    SimDiskFaults faults;
    faults.capacity_bytes = 1000;
    Rig rig(1, faults);
    auto a = rig.open("a");
    auto b = rig.open("b");
    REQUIRE(a->write_at(0, pattern(600, 1)).ok());
    REQUIRE(b->write_at(0, pattern(400, 2)).ok());
    REQUIRE(rig.disk.used_bytes() == 1000);
    REQUIRE(b->write_at(400, pattern(1, 3)).error().code() == ErrorCode::no_space);
    REQUIRE(b->truncate(401).error().code() == ErrorCode::no_space);
    REQUIRE(b->write_at(0, pattern(400, 4)).ok());  // an overwrite needs no space
    REQUIRE(rig.current("b") == pattern(400, 4));
    REQUIRE(rig.disk.pending_operation_count("b").value() == 2);
    REQUIRE(b->truncate(300).ok());
    REQUIRE(b->write_at(300, pattern(100, 5)).ok());
    // Removing a file returns its space once no handle holds it open.
    REQUIRE(rig.disk.remove("a").ok());
    REQUIRE(rig.disk.used_bytes() == 1000);
    a.reset();
    REQUIRE(rig.disk.used_bytes() == 400);
    REQUIRE(b->write_at(400, pattern(600, 6)).ok());
    REQUIRE(b->write_at(1000, pattern(1, 7)).error().code() == ErrorCode::no_space);
    faults.capacity_bytes = 2000;
    rig.disk.set_faults(faults);
    REQUIRE(b->write_at(1000, pattern(1, 7)).ok());
}

TEST_CASE("sim disk: every operation is traced with the node as actor") {
    Rig rig(1, lose_everything_unsynced());
    rig.trace.keep_lines(true);
    auto file = rig.open("f");
    REQUIRE(file->write_at(0, pattern(10, 1)).ok());
    REQUIRE(rig.sync(*file).ok());
    REQUIRE(rig.disk.rename("f", "g").ok());
    rig.disk.crash();
    const std::string& lines = rig.trace.lines();
    for (std::string_view expected :
         {"n1 disk.open file=f mode=create created=true", "n1 disk.write file=f offset=0 length=10",
          "n1 disk.sync file=f pending=1", "n1 disk.synced file=f made_durable=1",
          "n1 disk.rename from=f to=g", "n1 disk.crash ", "n1 disk.crash.gone path=g"}) {
        INFO(expected);
        REQUIRE(lines.find(expected) != std::string::npos);
    }
}

// --- Properties ---

// One step of a single-file workload.
struct FileStep {
    enum Kind { write, truncate, sync } kind;
    uint64_t offset_or_size;
    Bytes bytes;
};

std::vector<FileStep> generate_file_steps() {
    std::vector<FileStep> steps;
    int count = *rc::gen::inRange(0, 25);
    for (int i = 0; i < count; ++i) {
        int kind = *rc::gen::inRange(0, 10);
        if (kind < 6) {
            auto offset = *rc::gen::inRange<uint64_t>(0, 3000);
            auto length = *rc::gen::inRange<std::size_t>(1, 1500);
            auto seed = *rc::gen::arbitrary<uint8_t>();
            steps.push_back({FileStep::write, offset, pattern(length, seed)});
        } else if (kind < 8) {
            steps.push_back({FileStep::truncate, *rc::gen::inRange<uint64_t>(0, 4000), {}});
        } else {
            steps.push_back({FileStep::sync, 0, {}});
        }
    }
    return steps;
}

void apply_step(Bytes& bytes, const FileStep& step) {
    if (step.kind == FileStep::write) apply_write(bytes, step.offset_or_size, step.bytes);
    if (step.kind == FileStep::truncate) bytes.resize(step.offset_or_size, 0);
}

// Runs the steps on file "f" (whose entry is durable), crashes, and returns the model's
// durable bytes and pending steps as of the crash.
struct Outcome {
    Bytes durable;
    std::vector<FileStep> pending;
    Bytes after_crash;
};

Outcome run_and_crash(Rig& rig, const std::vector<FileStep>& steps) {
    Outcome outcome;
    auto file = rig.open("f");
    RC_ASSERT(rig.sync_directory("").ok());
    for (const FileStep& step : steps) {
        if (step.kind == FileStep::sync) {
            RC_ASSERT(rig.sync(*file).ok());
            for (const FileStep& done : outcome.pending) apply_step(outcome.durable, done);
            outcome.pending.clear();
            continue;
        }
        if (step.kind == FileStep::write) {
            RC_ASSERT(file->write_at(step.offset_or_size, step.bytes).ok());
        } else {
            RC_ASSERT(file->truncate(step.offset_or_size).ok());
        }
        outcome.pending.push_back(step);
    }
    RC_ASSERT(rig.durable("f") == outcome.durable);
    rig.disk.crash();
    outcome.after_crash = rig.current("f");
    return outcome;
}

// Every state a crash may legally leave: durable + a prefix of pending, the last write of the
// prefix possibly cut at its start or at a 512-byte file boundary inside it.
std::vector<Bytes> legal_crash_states(const Outcome& outcome) {
    std::vector<Bytes> states;
    Bytes state = outcome.durable;
    states.push_back(state);
    for (const FileStep& step : outcome.pending) {
        if (step.kind == FileStep::write) {
            uint64_t start = step.offset_or_size;
            for (uint64_t tear = start; tear < start + step.bytes.size();
                 tear = (tear / SimDisk::kSectorBytes + 1) * SimDisk::kSectorBytes) {
                Bytes torn = state;
                apply_write(torn, start,
                            Bytes(step.bytes.begin(), step.bytes.begin() + (tear - start)));
                states.push_back(torn);
            }
        }
        apply_step(state, step);
        states.push_back(state);
    }
    return states;
}

TEST_CASE("sim disk: crash properties of file bytes") {
    bounded_prop("(a) synced bytes not overwritten afterwards survive a crash", 150, [] {
        Rig rig(*rc::gen::arbitrary<uint64_t>());
        Outcome outcome = run_and_crash(rig, generate_file_steps());
        for (uint64_t i = 0; i < outcome.durable.size(); ++i) {
            bool touched = std::any_of(
                outcome.pending.begin(), outcome.pending.end(), [&](const FileStep& step) {
                    if (step.kind == FileStep::truncate) return step.offset_or_size <= i;
                    return step.offset_or_size <= i && i < step.offset_or_size + step.bytes.size();
                });
            if (touched) continue;
            RC_ASSERT(i < outcome.after_crash.size());
            RC_ASSERT(outcome.after_crash[i] == outcome.durable[i]);
        }
    });
    bounded_prop("(b) a crash keeps durable bytes plus a prefix of pending operations", 150, [] {
        SimDiskFaults faults;
        faults.crash_keep_all_ppm = *rc::gen::element<uint32_t>(uint32_t{0}, uint32_t{300'000});
        faults.crash_keep_none_ppm = *rc::gen::element<uint32_t>(uint32_t{0}, uint32_t{300'000});
        faults.crash_tear_ppm =
            *rc::gen::element<uint32_t>(uint32_t{0}, uint32_t{500'000}, kPartsPerMillion);
        Rig rig(*rc::gen::arbitrary<uint64_t>(), faults);
        Outcome outcome = run_and_crash(rig, generate_file_steps());
        std::vector<Bytes> legal = legal_crash_states(outcome);
        RC_ASSERT(std::find(legal.begin(), legal.end(), outcome.after_crash) != legal.end());
    });
    bounded_prop(
        "(c) a torn write differs from the full write only in a tail from a boundary", 150, [] {
            SimDiskFaults faults = keep_everything_untorn();
            faults.crash_tear_ppm = kPartsPerMillion;
            Rig rig(*rc::gen::arbitrary<uint64_t>(), faults);
            auto old_length = *rc::gen::inRange<std::size_t>(0, 3000);
            std::vector<FileStep> steps{{FileStep::write, 0, pattern(old_length, 101)},
                                        {FileStep::sync, 0, {}}};
            auto offset = *rc::gen::inRange<uint64_t>(0, 3000);
            auto length = *rc::gen::inRange<std::size_t>(1, 3000);
            steps.push_back({FileStep::write, offset, pattern(length, 33)});
            Outcome outcome = run_and_crash(rig, steps);
            Bytes full = outcome.durable;
            apply_write(full, offset, steps.back().bytes);
            const Bytes& torn = outcome.after_crash;
            RC_ASSERT(torn.size() <= full.size());
            RC_ASSERT(torn.size() >= outcome.durable.size());
            auto mismatch = std::mismatch(torn.begin(), torn.end(), full.begin());
            uint64_t first_difference = static_cast<uint64_t>(mismatch.first - torn.begin());
            if (first_difference == torn.size() && torn.size() == full.size()) return;  // no damage
            // The tear point is the write's start or a sector boundary inside it; everything
            // before it is the full write, everything from it on is the old file.
            uint64_t tear = std::max<uint64_t>(
                offset, first_difference / SimDisk::kSectorBytes * SimDisk::kSectorBytes);
            RC_ASSERT(tear < offset + length);
            RC_ASSERT(std::equal(
                torn.begin(),
                torn.begin() + static_cast<std::ptrdiff_t>(std::min<uint64_t>(tear, torn.size())),
                full.begin()));
            for (uint64_t i = tear; i < torn.size(); ++i) {
                RC_ASSERT(torn[i] == (i < outcome.durable.size() ? outcome.durable[i] : 0));
            }
        });
}

TEST_CASE("sim disk: crash properties of directory entries") {
    bounded_prop("(d) unsynced creates, renames and removes vanish; synced ones stay", 150, [] {
        Rig rig(*rc::gen::arbitrary<uint64_t>());
        RC_ASSERT(rig.disk.make_directory("dir").ok());
        RC_ASSERT(rig.sync_directory("").ok());
        std::map<std::string, uint8_t> current;  // name -> the file's identity (its content)
        std::map<std::string, uint8_t> durable;
        uint8_t next_identity = 1;
        int count = *rc::gen::inRange(0, 30);
        for (int i = 0; i < count; ++i) {
            std::string name = *rc::gen::element<std::string>("a", "b", "c", "d");
            std::string path = "dir/" + name;
            switch (*rc::gen::inRange(0, 4)) {
                case 0: {  // create with durable content, entry not yet durable
                    if (current.count(name) != 0) break;
                    auto file = rig.open(path, OpenMode::create_new);
                    RC_ASSERT(file->write_at(0, Bytes{next_identity}).ok());
                    RC_ASSERT(rig.sync(*file).ok());
                    current[name] = next_identity++;
                    break;
                }
                case 1: {
                    std::string to = *rc::gen::element<std::string>("a", "b", "c", "d");
                    if (current.count(name) == 0) break;
                    RC_ASSERT(rig.disk.rename(path, "dir/" + to).ok());
                    uint8_t identity = current[name];
                    current.erase(name);
                    current[to] = identity;
                    break;
                }
                case 2:
                    if (current.count(name) == 0) break;
                    RC_ASSERT(rig.disk.remove(path).ok());
                    current.erase(name);
                    break;
                case 3:
                    RC_ASSERT(rig.sync_directory("dir").ok());
                    durable = current;
                    break;
            }
        }
        rig.disk.crash();
        std::vector<std::string> expected_names;
        for (const auto& [name, identity] : durable) expected_names.push_back(name);
        RC_ASSERT(rig.disk.list_directory("dir").value() == expected_names);
        for (const auto& [name, identity] : durable) {
            RC_ASSERT(rig.current("dir/" + name) == Bytes{identity});
        }
    });
}

TEST_CASE("sim disk: capacity properties") {
    bounded_prop(
        "(e) no_space refuses and changes nothing; raising capacity lets writes in", 150, [] {
            SimDiskFaults faults;
            faults.capacity_bytes = *rc::gen::inRange<uint64_t>(0, 5000);
            Rig rig(*rc::gen::arbitrary<uint64_t>(), faults);
            std::vector<std::unique_ptr<File>> files;
            for (std::string_view name : {"x", "y", "z"}) files.push_back(rig.open(name));
            std::vector<std::pair<std::size_t, FileStep>> refused;
            for (const FileStep& step : generate_file_steps()) {
                if (step.kind == FileStep::sync) continue;
                std::size_t which = *rc::gen::inRange<std::size_t>(0, files.size());
                std::string name(1, static_cast<char>('x' + which));
                Bytes before = rig.current(name);
                uint64_t used_before = rig.disk.used_bytes();
                Result<void> result = step.kind == FileStep::write
                                          ? files[which]->write_at(step.offset_or_size, step.bytes)
                                          : files[which]->truncate(step.offset_or_size);
                Bytes expected = before;
                apply_step(expected, step);
                if (result.ok()) {
                    RC_ASSERT(rig.current(name) == expected);
                } else {
                    RC_ASSERT(result.error().code() == ErrorCode::no_space);
                    RC_ASSERT(rig.current(name) == before);
                    RC_ASSERT(rig.disk.used_bytes() == used_before);
                    RC_ASSERT(used_before - before.size() + expected.size() >
                              faults.capacity_bytes);
                    refused.emplace_back(which, step);
                }
                RC_ASSERT(rig.disk.used_bytes() <= faults.capacity_bytes);
            }
            faults.capacity_bytes = UINT64_MAX;
            rig.disk.set_faults(faults);
            for (const auto& [which, step] : refused) {
                Result<void> retried = step.kind == FileStep::write
                                           ? files[which]->write_at(step.offset_or_size, step.bytes)
                                           : files[which]->truncate(step.offset_or_size);
                RC_ASSERT(retried.ok());
            }
        });
}

// Everything observable after a faulty run with a crash, for comparing two runs.
struct Observation {
    Bytes contents;
    std::vector<std::string> names;
    std::vector<int> results;
    uint64_t trace_hash;
    bool operator==(const Observation&) const = default;
};

Observation faulty_run(uint64_t seed, const std::vector<FileStep>& steps) {
    SimDiskFaults faults;
    faults.read_error_ppm = 100'000;
    faults.write_error_ppm = 100'000;
    faults.sync_error_ppm = 200'000;
    faults.write_bit_flip_ppm = 100'000;
    Rig rig(seed, faults);
    Observation observation;
    auto file = rig.open("f");
    (void)rig.sync_directory("");
    rig.open("unsynced");
    for (const FileStep& step : steps) {
        Result<void> result;
        if (step.kind == FileStep::sync) result = rig.sync(*file);
        if (step.kind == FileStep::write) result = file->write_at(step.offset_or_size, step.bytes);
        if (step.kind == FileStep::truncate) result = file->truncate(step.offset_or_size);
        observation.results.push_back(result.ok() ? -1 : static_cast<int>(result.error().code()));
        Bytes buffer(64);
        auto read = file->read_at(step.offset_or_size, buffer);
        observation.results.push_back(read.ok() ? static_cast<int>(*read) : -2);
    }
    rig.disk.crash();
    observation.contents = rig.current("f");
    observation.names = rig.disk.list_directory("").value();
    observation.trace_hash = rig.trace.hash();
    return observation;
}

TEST_CASE("sim disk: determinism") {
    bounded_prop("(f) the same seed and operations give the same state and trace", 60, [] {
        auto seed = *rc::gen::arbitrary<uint64_t>();
        std::vector<FileStep> steps = generate_file_steps();
        RC_ASSERT(faulty_run(seed, steps) == faulty_run(seed, steps));
    });
}

}  // namespace
}  // namespace brook::sim
