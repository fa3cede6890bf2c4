#include "disk/posix_disk.h"
#include "disk/sync_worker.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/base/check.h"
#include "os/epoll_reactor.h"
#include "tests/io/disk_contract.h"
#include "tests/io/posix_disk_sync_worker_fixture.h"
#include "tests/io/temporary_directory.h"

namespace brook {
namespace {

using testing::TemporaryDirectory;

// PosixDisk never suspends, but the contract runs its checks in fibers; the reactor only
// provides time here.
class PosixDiskFixture final : public contract::DiskFixture {
public:
    PosixDiskFixture()
        : reactor_(std::move(EpollReactor::create()).value()),
          scheduler_(*reactor_),
          disk_(directory_.path()) {}

    Scheduler& scheduler() override { return scheduler_; }
    Disk& disk() override { return disk_; }
    const std::string& root() const { return directory_.path(); }

private:
    TemporaryDirectory directory_;
    std::unique_ptr<EpollReactor> reactor_;
    Scheduler scheduler_;
    PosixDisk disk_;
};

}  // namespace

BROOK_DISK_CONTRACT_TESTS("posix disk", PosixDiskFixture)
BROOK_DISK_CONTRACT_TESTS("posix disk with sync worker", testing::PosixDiskSyncWorkerFixture)

TEST_CASE("sync worker: other fibers run while syncs are in flight; every sync completes") {
    TemporaryDirectory directory;
    auto reactor = std::move(EpollReactor::create()).value();
    Scheduler scheduler(*reactor);
    auto worker = std::move(SyncWorker::create(scheduler, *reactor)).value();
    PosixDisk disk(directory.path());
    disk.use_sync_worker(worker.get());
    REQUIRE(disk.make_directory("").ok());
    constexpr int kWriters = 6;
    constexpr int kSyncsEach = 20;
    int finished = 0;
    bool interleaved = false;
    int in_sync = 0;
    for (int w = 0; w < kWriters; ++w) {
        scheduler.spawn("writer", [&, w] {
            auto file = disk.open("f" + std::to_string(w), OpenMode::create);
            REQUIRE(file.ok());
            std::vector<uint8_t> bytes(4096, static_cast<uint8_t>(w));
            for (int i = 0; i < kSyncsEach; ++i) {
                REQUIRE((*file)->write_at(static_cast<uint64_t>(i) * 4096, bytes).ok());
                ++in_sync;
                if (in_sync > 1) interleaved = true;  // another fiber ran during our sync
                REQUIRE((*file)->sync().ok());
                --in_sync;
            }
            REQUIRE(disk.sync_directory("").ok());
            if (++finished == kWriters) scheduler.stop();  // a real reactor never runs dry
        });
    }
    scheduler.run();
    REQUIRE(finished == kWriters);
    REQUIRE(interleaved);
    REQUIRE(worker->syncs_completed() == kWriters * (kSyncsEach + 1));
}

TEST_CASE("sync worker: a scheduler destroyed with fibers parked in sync waits for their syncs") {
    TemporaryDirectory directory;
    auto reactor = std::move(EpollReactor::create()).value();
    auto scheduler = std::make_unique<Scheduler>(*reactor);
    auto worker = std::move(SyncWorker::create(*scheduler, *reactor)).value();
    PosixDisk disk(directory.path());
    disk.use_sync_worker(worker.get());
    REQUIRE(disk.make_directory("").ok());
    int unwound = 0;
    for (int i = 0; i < 4; ++i) {
        scheduler->spawn("syncer", [&, i] {
            struct CountOnDestroy {
                int& counter;
                ~CountOnDestroy() { ++counter; }
            } guard{unwound};
            auto file = disk.open("g" + std::to_string(i), OpenMode::create);
            REQUIRE(file.ok());
            (void)(*file)->sync();
        });
    }
    // Run until every fiber has queued its sync, then tear the scheduler down mid-flight, as
    // shutdown does: each parked fiber waits for the thread to finish its job before its stack
    // (which holds the job) goes. ASan builds check there is no use after free.
    scheduler->run_until(scheduler->now());
    scheduler.reset();
    REQUIRE(unwound == 4);
    worker.reset();
}

TEST_CASE("posix disk: paths that leave the data directory are invalid arguments") {
    TemporaryDirectory directory;
    PosixDisk disk(directory.path());
    for (std::string_view path : {"/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", ""}) {
        INFO(path);
        auto file = disk.open(path, OpenMode::create);
        REQUIRE_FALSE(file.ok());
        REQUIRE(file.error().code() == ErrorCode::invalid_argument);
        REQUIRE(disk.rename("x", path).error().code() == ErrorCode::invalid_argument);
        REQUIRE(disk.remove(path).error().code() == ErrorCode::invalid_argument);
    }
    REQUIRE(disk.make_directory("../escape").error().code() == ErrorCode::invalid_argument);
    REQUIRE(disk.list_directory("/").error().code() == ErrorCode::invalid_argument);
    REQUIRE_FALSE(std::filesystem::exists(directory.path() + "/../escape"));
}

TEST_CASE("posix disk: errors name the operation, the path and the errno") {
    TemporaryDirectory directory;
    PosixDisk disk(directory.path());
    auto missing = disk.open("missing.log", OpenMode::read_only);
    REQUIRE_FALSE(missing.ok());
    std::string described = missing.error().describe();
    INFO(described);
    REQUIRE(described.find("not_found") != std::string::npos);
    REQUIRE(described.find("open") != std::string::npos);
    REQUIRE(described.find(directory.path() + "/missing.log") != std::string::npos);
    REQUIRE(described.find("ENOENT") != std::string::npos);
}

TEST_CASE("posix disk: directories and files are not confused") {
    TemporaryDirectory directory;
    PosixDisk disk(directory.path());
    REQUIRE(disk.make_directory("d").ok());
    REQUIRE(disk.open("d", OpenMode::read_only).error().code() == ErrorCode::invalid_argument);
    REQUIRE(disk.open("d", OpenMode::read_write).error().code() == ErrorCode::invalid_argument);
    {
        auto file = disk.open("d/f", OpenMode::create_new);
        REQUIRE(file.ok());
    }
    // Not empty.
    REQUIRE(disk.remove("d").error().code() == ErrorCode::invalid_argument);
    // A file where a directory should be.
    REQUIRE(disk.make_directory("d/f").error().code() == ErrorCode::already_exists);
    REQUIRE(disk.make_directory("d/f/g").error().code() == ErrorCode::invalid_argument);
    REQUIRE(disk.list_directory("d/f").error().code() == ErrorCode::invalid_argument);
    REQUIRE_FALSE(*disk.exists("d/f/g"));
}

TEST_CASE("posix disk: make_directory creates a missing root") {
    TemporaryDirectory directory;
    PosixDisk disk(directory.path() + "/data/node-1/");
    REQUIRE(disk.make_directory("").ok());
    REQUIRE(disk.root() == directory.path() + "/data/node-1");
    REQUIRE(std::filesystem::is_directory(disk.root()));
    REQUIRE(disk.list_directory("")->empty());
}

TEST_CASE("posix disk: bytes written through a File are the bytes in the file") {
    TemporaryDirectory directory;
    PosixDisk disk(directory.path());
    std::vector<uint8_t> bytes(3 * 1024 * 1024 + 17);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 31 + 7);
    {
        auto file = disk.open("big.log", OpenMode::create_new);
        REQUIRE(file.ok());
        REQUIRE((*file)->write_at(0, bytes).ok());
        REQUIRE((*file)->sync().ok());
    }
    std::ifstream stream(directory.path() + "/big.log", std::ios::binary);
    std::vector<uint8_t> read_back((std::istreambuf_iterator<char>(stream)),
                                   std::istreambuf_iterator<char>());
    REQUIRE(read_back == bytes);
}

}  // namespace brook
