// The contract fixture of a PosixDisk with its syncs on a SyncWorker thread, as `brook serve`
// runs it, in a temporary directory; the fixture of a disk that wraps one holds one.
//
//   BROOK_DISK_CONTRACT_TESTS("posix disk with sync worker", testing::PosixDiskSyncWorkerFixture)
#pragma once

#include <memory>

#include "disk/posix_disk.h"
#include "disk/sync_worker.h"
#include "os/epoll_reactor.h"
#include "tests/io/disk_contract.h"
#include "tests/io/temporary_directory.h"

namespace brook::testing {

class PosixDiskSyncWorkerFixture final : public contract::DiskFixture {
public:
    PosixDiskSyncWorkerFixture()
        : reactor_(std::move(EpollReactor::create()).value()),
          scheduler_(*reactor_),
          worker_(std::move(SyncWorker::create(scheduler_, *reactor_)).value()),
          disk_(directory_.path()) {
        disk_.use_sync_worker(worker_.get());
    }

    Scheduler& scheduler() override { return scheduler_; }
    Disk& disk() override { return disk_; }

private:
    TemporaryDirectory directory_;
    std::unique_ptr<EpollReactor> reactor_;
    Scheduler scheduler_;
    std::unique_ptr<SyncWorker> worker_;
    PosixDisk disk_;
};

}  // namespace brook::testing
