// The disk contract (core/io/disk.h), one suite for every Disk backend, so that PosixDisk and
// the simulator's SimDisk cannot drift apart. A backend's test file provides a fixture and
// instantiates every check as its own test case:
//
//   struct PosixDiskFixture final : contract::DiskFixture {
//       Scheduler& scheduler() override { return scheduler_; }
//       Disk& disk() override { return disk_; }
//       ...                                  // an empty data directory, cleaned up afterwards
//   };
//   BROOK_DISK_CONTRACT_TESTS("posix disk", PosixDiskFixture)
//
// which yields test cases named "posix disk: a written file reads back" and so on. Each check
// runs its body in a fiber of the fixture's scheduler, because sync() may suspend. The checks
// are about what survives without crashes; crash durability is the simulator's own business.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "core/io/disk.h"
#include "core/runtime/scheduler.h"
#include "tests/io/fiber_runner.h"

namespace brook::contract {

class DiskFixture {
public:
    virtual ~DiskFixture() = default;
    virtual Scheduler& scheduler() = 0;
    // A disk whose data directory exists and is empty.
    virtual Disk& disk() = 0;
};

namespace detail {

inline std::vector<uint8_t> bytes_of(std::string_view text) {
    return std::vector<uint8_t>(text.begin(), text.end());
}

inline void run_disk_check(DiskFixture& fixture, std::function<void(Disk&)> body) {
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("disk check", [&] { body(fixture.disk()); });
    runner.run();
}

// The whole file, read through the interface.
inline std::vector<uint8_t> read_all(File& file) {
    auto size = file.size();
    REQUIRE(size.ok());
    std::vector<uint8_t> content(*size);
    if (content.empty()) return content;
    auto n = file.read_at(0, content);
    REQUIRE(n.ok());
    REQUIRE(*n == content.size());
    return content;
}

inline std::unique_ptr<File> open_ok(Disk& disk, std::string_view path, OpenMode mode) {
    auto file = disk.open(path, mode);
    INFO("open " << path << ": " << (file.ok() ? "ok" : file.error().describe()));
    REQUIRE(file.ok());
    return std::move(*file);
}

inline void write_file(Disk& disk, std::string_view path, std::string_view content) {
    auto file = open_ok(disk, path, OpenMode::create);
    REQUIRE(file->truncate(0).ok());
    REQUIRE(file->write_at(0, bytes_of(content)).ok());
}

inline std::string read_file(Disk& disk, std::string_view path) {
    auto file = open_ok(disk, path, OpenMode::read_only);
    std::vector<uint8_t> content = read_all(*file);
    return std::string(content.begin(), content.end());
}

}  // namespace detail

inline void disk_write_then_read_back(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        auto file = detail::open_ok(disk, "a.log", OpenMode::create_new);
        REQUIRE(*file->size() == 0);
        REQUIRE(file->write_at(0, detail::bytes_of("hello ")).ok());
        REQUIRE(file->write_at(6, detail::bytes_of("world")).ok());
        REQUIRE(*file->size() == 11);
        std::vector<uint8_t> buffer(5);
        auto n = file->read_at(6, buffer);
        REQUIRE(n.ok());
        REQUIRE(*n == 5);
        REQUIRE(buffer == detail::bytes_of("world"));
        // Overwrite in the middle.
        REQUIRE(file->write_at(0, detail::bytes_of("HE")).ok());
        file.reset();
        REQUIRE(detail::read_file(disk, "a.log") == "HEllo world");
        // Another handle on the same file sees the same bytes.
        auto again = detail::open_ok(disk, "a.log", OpenMode::read_write);
        REQUIRE(*again->size() == 11);
    });
}

inline void disk_read_past_end_is_short(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        detail::write_file(disk, "short.log", "0123456789");
        auto file = detail::open_ok(disk, "short.log", OpenMode::read_only);
        std::vector<uint8_t> buffer(20, 0xee);
        auto n = file->read_at(5, buffer);
        REQUIRE(n.ok());
        REQUIRE(*n == 5);
        REQUIRE(std::string(buffer.begin(), buffer.begin() + 5) == "56789");
        REQUIRE(*file->read_at(10, buffer) == 0);
        REQUIRE(*file->read_at(1000, buffer) == 0);
    });
}

inline void disk_write_past_end_fills_gap_with_zeros(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        auto file = detail::open_ok(disk, "gap.log", OpenMode::create);
        REQUIRE(file->write_at(0, detail::bytes_of("x")).ok());
        REQUIRE(file->write_at(4097, detail::bytes_of("y")).ok());
        REQUIRE(*file->size() == 4098);
        std::vector<uint8_t> content = detail::read_all(*file);
        REQUIRE(content.front() == 'x');
        REQUIRE(content.back() == 'y');
        for (std::size_t i = 1; i < 4097; ++i) REQUIRE(content[i] == 0);
    });
}

inline void disk_truncate_shrinks_and_extends(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        auto file = detail::open_ok(disk, "t.log", OpenMode::create);
        REQUIRE(file->write_at(0, std::vector<uint8_t>(100, 7)).ok());
        REQUIRE(file->truncate(10).ok());
        REQUIRE(*file->size() == 10);
        REQUIRE(detail::read_all(*file) == std::vector<uint8_t>(10, 7));
        REQUIRE(file->truncate(20).ok());
        std::vector<uint8_t> expected(10, 7);
        expected.resize(20, 0);
        REQUIRE(detail::read_all(*file) == expected);
        REQUIRE(file->truncate(0).ok());
        REQUIRE(*file->size() == 0);
    });
}

inline void disk_rename_replaces_target(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        detail::write_file(disk, "checkpoint.tmp", "new");
        detail::write_file(disk, "checkpoint", "old");
        REQUIRE(disk.rename("checkpoint.tmp", "checkpoint").ok());
        REQUIRE_FALSE(*disk.exists("checkpoint.tmp"));
        REQUIRE(detail::read_file(disk, "checkpoint") == "new");
        // Into a subdirectory, onto no existing file.
        REQUIRE(disk.make_directory("sub").ok());
        REQUIRE(disk.rename("checkpoint", "sub/moved").ok());
        REQUIRE(detail::read_file(disk, "sub/moved") == "new");
        auto missing = disk.rename("nothing-here", "x");
        REQUIRE_FALSE(missing.ok());
        REQUIRE(missing.error().code() == ErrorCode::not_found);
    });
}

inline void disk_remove_deletes_files_and_empty_directories(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        detail::write_file(disk, "doomed.log", "x");
        REQUIRE(disk.remove("doomed.log").ok());
        REQUIRE_FALSE(*disk.exists("doomed.log"));
        REQUIRE(disk.make_directory("empty").ok());
        REQUIRE(disk.remove("empty").ok());
        REQUIRE_FALSE(*disk.exists("empty"));
        auto missing = disk.remove("doomed.log");
        REQUIRE_FALSE(missing.ok());
        REQUIRE(missing.error().code() == ErrorCode::not_found);
    });
}

inline void disk_list_directory_is_sorted(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        REQUIRE(disk.list_directory("")->empty());
        for (std::string_view name : {"b.log", "a.log", "Z.log", "c.log"}) {
            detail::write_file(disk, name, "x");
        }
        REQUIRE(disk.make_directory("d").ok());
        detail::write_file(disk, "d/inner", "x");
        auto names = disk.list_directory("");
        REQUIRE(names.ok());
        // Byte order: upper case sorts before lower case.
        REQUIRE(*names == std::vector<std::string>{"Z.log", "a.log", "b.log", "c.log", "d"});
        REQUIRE(*disk.list_directory("d") == std::vector<std::string>{"inner"});
        auto missing = disk.list_directory("nope");
        REQUIRE_FALSE(missing.ok());
        REQUIRE(missing.error().code() == ErrorCode::not_found);
    });
}

inline void disk_make_directory_creates_parents_and_is_idempotent(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        REQUIRE(disk.make_directory("topic-0/a/b").ok());
        REQUIRE(disk.make_directory("topic-0/a/b").ok());
        REQUIRE(disk.make_directory("topic-0").ok());
        REQUIRE(disk.make_directory("").ok());
        REQUIRE(*disk.exists("topic-0/a"));
        REQUIRE(*disk.list_directory("topic-0") == std::vector<std::string>{"a"});
        detail::write_file(disk, "topic-0/a/b/file", "x");
        REQUIRE(detail::read_file(disk, "topic-0/a/b/file") == "x");
    });
}

inline void disk_open_reports_not_found_and_already_exists(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        for (OpenMode mode : {OpenMode::read_only, OpenMode::read_write}) {
            auto missing = disk.open("missing.log", mode);
            REQUIRE_FALSE(missing.ok());
            REQUIRE(missing.error().code() == ErrorCode::not_found);
        }
        auto in_missing_directory = disk.open("no-such-directory/x.log", OpenMode::create);
        REQUIRE_FALSE(in_missing_directory.ok());
        REQUIRE(in_missing_directory.error().code() == ErrorCode::not_found);
        detail::write_file(disk, "present.log", "kept");
        auto duplicate = disk.open("present.log", OpenMode::create_new);
        REQUIRE_FALSE(duplicate.ok());
        REQUIRE(duplicate.error().code() == ErrorCode::already_exists);
        // `create` opens an existing file without truncating it.
        auto file = detail::open_ok(disk, "present.log", OpenMode::create);
        REQUIRE(*file->size() == 4);
        REQUIRE_FALSE(*disk.exists("missing.log"));
        REQUIRE(*disk.exists("present.log"));
        REQUIRE(*disk.exists(""));
    });
}

inline void disk_sync_succeeds(DiskFixture& fixture) {
    detail::run_disk_check(fixture, [](Disk& disk) {
        REQUIRE(disk.make_directory("topic-0").ok());
        auto file = detail::open_ok(disk, "topic-0/0.log", OpenMode::create_new);
        REQUIRE(file->write_at(0, std::vector<uint8_t>(8192, 1)).ok());
        REQUIRE(file->sync().ok());
        REQUIRE(file->sync().ok());  // nothing new: still fine
        REQUIRE(disk.sync_directory("topic-0").ok());
        REQUIRE(disk.sync_directory("").ok());
        REQUIRE(*file->size() == 8192);
    });
}

}  // namespace brook::contract

#define BROOK_DISK_CONTRACT_TEST_(backend, Fixture, check, description) \
    TEST_CASE(backend ": " description, "[contract][disk]") {            \
        Fixture fixture;                                                 \
        ::brook::contract::check(fixture);                               \
    }

// One test case per check of the disk contract, for the backend `Fixture` provides.
#define BROOK_DISK_CONTRACT_TESTS(backend, Fixture)                                              \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_write_then_read_back,                       \
                              "a written file reads back")                                       \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_read_past_end_is_short,                     \
                              "a read past the end is short")                                    \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_write_past_end_fills_gap_with_zeros,        \
                              "a write past the end fills the gap with zeros")                   \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_truncate_shrinks_and_extends,               \
                              "truncate shrinks and extends")                                    \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_rename_replaces_target,                     \
                              "rename replaces its target")                                      \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_remove_deletes_files_and_empty_directories, \
                              "remove deletes files and empty directories")                      \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_list_directory_is_sorted,                   \
                              "list_directory is sorted by bytes")                               \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture,                                                  \
                              disk_make_directory_creates_parents_and_is_idempotent,             \
                              "make_directory creates parents and is idempotent")                \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_open_reports_not_found_and_already_exists,  \
                              "open reports not_found and already_exists")                       \
    BROOK_DISK_CONTRACT_TEST_(backend, Fixture, disk_sync_succeeds,                              \
                              "sync and sync_directory succeed")
