// LoseUnsyncedDisk: the disk contract, and what survives a "crash": dropping the disk and its
// handles (what kill -9 does to the process's memory) and reopening the directory with a plain
// PosixDisk, which sees only what reached the files.
#include "disk/lose_unsynced_disk.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/io/random.h"
#include "disk/posix_disk.h"
#include "tests/io/disk_contract.h"
#include "tests/io/posix_disk_sync_worker_fixture.h"
#include "tests/io/temporary_directory.h"

namespace brook {
namespace {

using testing::TemporaryDirectory;

// As `brook serve --unsafe-lose-unsynced-writes` runs it: over a PosixDisk with a sync worker.
class LoseUnsyncedDiskFixture final : public contract::DiskFixture {
public:
    Scheduler& scheduler() override { return posix_.scheduler(); }
    Disk& disk() override { return disk_; }

private:
    testing::PosixDiskSyncWorkerFixture posix_;
    LoseUnsyncedDisk disk_{posix_.disk()};
};

// A file opened through `disk`, which must succeed.
std::unique_ptr<File> opened(Disk& disk, std::string_view path, OpenMode mode) {
    auto file = disk.open(path, mode);
    REQUIRE(file.ok());
    return std::move(*file);
}

std::vector<uint8_t> text_bytes(std::string_view text) {
    return std::vector<uint8_t>(text.begin(), text.end());
}

// The whole file as `disk` shows it, "" when it is empty.
std::string content_of(Disk& disk, std::string_view path) {
    auto file = opened(disk, path, OpenMode::read_only);
    auto size = file->size();
    REQUIRE(size.ok());
    std::string content(*size, '\0');
    auto n = file->read_at(0, std::span(reinterpret_cast<uint8_t*>(content.data()),
                                           content.size()));
    REQUIRE(n.ok());
    REQUIRE(*n == content.size());
    return content;
}

// A LoseUnsyncedDisk over a PosixDisk in a fresh directory. Its files never reference the disk
// and the directory shows only what reached the files, so a test may look at "the disk after
// the process died" at any moment, with the disk and its handles still alive.
struct CrashRig {
    TemporaryDirectory directory;
    PosixDisk posix{directory.path()};
    LoseUnsyncedDisk disk{posix};

    // What a plain PosixDisk reads in the directory: all that a kill -9 would leave.
    std::string after_crash(std::string_view path) {
        PosixDisk plain(directory.path());
        return content_of(plain, path);
    }
};

}  // namespace

BROOK_DISK_CONTRACT_TESTS("lose-unsynced disk", LoseUnsyncedDiskFixture)

TEST_CASE("lose-unsynced disk: a crash keeps exactly the bytes of each file's last sync") {
    CrashRig rig;
    {
        LoseUnsyncedDisk disk(rig.posix);  // the process's own, dropped below
        auto file = opened(disk, "a.log", OpenMode::create_new);
        REQUIRE(file->write_at(0, text_bytes("synced ")).ok());
        REQUIRE(file->sync().ok());
        REQUIRE(file->write_at(7, text_bytes("lost")).ok());      // an append
        REQUIRE(file->write_at(0, text_bytes("SYNCED")).ok());    // an overwrite
        REQUIRE(content_of(disk, "a.log") == "SYNCED lost");  // visible while running
        REQUIRE(rig.after_crash("a.log") == "synced ");       // not in the file
    }  // the disk and its handle go, as with kill -9
    REQUIRE(rig.after_crash("a.log") == "synced ");
}

TEST_CASE("lose-unsynced disk: a truncation is pending until the file syncs") {
    CrashRig rig;
    LoseUnsyncedDisk& disk = rig.disk;
    auto file = opened(disk, "t.log", OpenMode::create_new);
    REQUIRE(file->write_at(0, text_bytes("0123456789")).ok());
    REQUIRE(file->sync().ok());
    REQUIRE(file->truncate(4).ok());
    REQUIRE(file->write_at(6, text_bytes("xy")).ok());  // bytes 4 and 5 read as zeros now
    REQUIRE(*file->size() == 8);
    REQUIRE(content_of(disk, "t.log") == std::string("0123\0\0xy", 8));
    REQUIRE(rig.after_crash("t.log") == "0123456789");
    REQUIRE(file->sync().ok());
    REQUIRE(rig.after_crash("t.log") == std::string("0123\0\0xy", 8));
}

TEST_CASE("lose-unsynced disk: handles on one file share its unsynced writes") {
    CrashRig rig;
    LoseUnsyncedDisk& disk = rig.disk;
    auto writer = opened(disk, "s.log", OpenMode::create);
    REQUIRE(writer->write_at(0, text_bytes("shared")).ok());
    auto reader = opened(disk, "s.log", OpenMode::read_only);
    REQUIRE(*reader->size() == 6);
    REQUIRE_FALSE(reader->write_at(0, text_bytes("x")).ok());  // read-only stays read-only
    writer.reset();  // closing never syncs, and the writes stay visible
    REQUIRE(content_of(disk, "s.log") == "shared");
    REQUIRE(rig.after_crash("s.log").empty());
    REQUIRE(reader->sync().ok());  // any handle's sync covers the file, as fdatasync does
    REQUIRE(rig.after_crash("s.log") == "shared");
}

TEST_CASE("lose-unsynced disk: directory entries are immediate; file bytes are not") {
    CrashRig rig;
    LoseUnsyncedDisk& disk = rig.disk;
    REQUIRE(disk.make_directory("topic-0").ok());
    auto file = opened(disk, "topic-0/new.tmp", OpenMode::create_new);
    REQUIRE(file->write_at(0, text_bytes("unsynced")).ok());
    REQUIRE(disk.rename("topic-0/new.tmp", "topic-0/new").ok());
    // The overlay moved with the file: a new handle under the new name sees the bytes.
    REQUIRE(content_of(disk, "topic-0/new") == "unsynced");
    auto synced = opened(disk, "topic-0/kept", OpenMode::create_new);
    REQUIRE(synced->write_at(0, text_bytes("kept")).ok());
    REQUIRE(synced->sync().ok());
    REQUIRE(disk.rename("topic-0", "renamed").ok());  // a directory takes its files along
    REQUIRE(content_of(disk, "renamed/new") == "unsynced");
    // No sync_directory happened, yet the entries are there (what the mode does not model);
    // the unsynced file is empty, the synced one whole.
    REQUIRE(rig.after_crash("renamed/new").empty());
    REQUIRE(rig.after_crash("renamed/kept") == "kept");
}

TEST_CASE("lose-unsynced disk: a removed file's overlay does not haunt a new file") {
    CrashRig rig;
    LoseUnsyncedDisk& disk = rig.disk;
    {
        auto file = opened(disk, "r.log", OpenMode::create_new);
        REQUIRE(file->write_at(0, text_bytes("old")).ok());
    }
    REQUIRE(disk.remove("r.log").ok());
    auto file = opened(disk, "r.log", OpenMode::create);
    REQUIRE(*file->size() == 0);
    REQUIRE(content_of(disk, "r.log").empty());
}

// Random writes, truncations, syncs and crashes against a model: a vector per state, the one a
// reader sees and the one the last sync made durable.
TEST_CASE("lose-unsynced disk: random operations read like a file and crash to the last sync") {
    constexpr uint64_t kSeed = 20261206;
    INFO("seed " << kSeed);
    Random random(kSeed);
    CrashRig rig;
    std::vector<uint8_t> visible;
    std::vector<uint8_t> durable;
    for (int life = 0; life < 20; ++life) {
        LoseUnsyncedDisk disk(rig.posix);  // one process's life
        auto file = opened(disk, "m.log", OpenMode::create);
        for (int step = 0; step < 60; ++step) {
            uint64_t choice = random.uniform(10);
            if (choice < 6) {
                uint64_t offset = random.uniform(visible.size() + 64);
                std::vector<uint8_t> bytes(random.uniform(300));
                for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random.next());
                REQUIRE(file->write_at(offset, bytes).ok());
                if (!bytes.empty()) {
                    if (visible.size() < offset + bytes.size()) {
                        visible.resize(offset + bytes.size(), 0);
                    }
                    std::copy(bytes.begin(), bytes.end(), visible.begin() + offset);
                }
            } else if (choice < 8) {
                uint64_t size = random.uniform(visible.size() + 64);
                REQUIRE(file->truncate(size).ok());
                visible.resize(size, 0);
            } else if (choice < 9) {
                REQUIRE(file->sync().ok());
                durable = visible;
            } else {
                uint64_t offset = random.uniform(visible.size() + 8);
                std::vector<uint8_t> buffer(random.uniform(400));
                auto n = file->read_at(offset, buffer);
                REQUIRE(n.ok());
                uint64_t expected = offset >= visible.size()
                                        ? 0
                                        : std::min<uint64_t>(buffer.size(), visible.size() - offset);
                REQUIRE(*n == expected);
                REQUIRE(std::equal(buffer.begin(), buffer.begin() + *n, visible.begin() + offset));
            }
            REQUIRE(*file->size() == visible.size());
        }
        REQUIRE(content_of(disk, "m.log") == std::string(visible.begin(), visible.end()));
        // The crash: this life's disk and handle go; the file holds the last sync's bytes.
        file.reset();
        visible = durable;
        REQUIRE(rig.after_crash("m.log") == std::string(durable.begin(), durable.end()));
    }
}

}  // namespace brook
