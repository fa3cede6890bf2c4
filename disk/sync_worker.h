// Runs fdatasync/fsync on a helper thread, so the node's one thread keeps running fibers while
// the disk flushes.
//
//   TRY_ASSIGN(auto worker, SyncWorker::create(scheduler, reactor));
//   disk.use_sync_worker(worker.get());       // PosixDisk: File::sync() now parks its fiber
//
// Why: an fsync takes 0.15-0.5 ms here (research/perf.md). Done inline it stops every fiber;
// done here, the fibers that arrive meanwhile validate and write their batches to the page
// cache and form the next group commit, which the next sync covers. The only thread besides
// the node's is this one, and it touches nothing but file descriptors and the job queue.
//
// How: a fiber queues a job (fd, kind) and parks on the job's WaitQueue. The thread takes jobs in
// order, runs the syscall, moves the job to a finished list and writes an eventfd. The reactor
// reports the eventfd readable on the scheduler's stack; the watcher marks finished jobs done
// and notifies their fibers. Jobs live on their fiber's stack: a fiber destroyed while its
// job is in flight (shutdown) waits for the thread to finish that job before its stack goes.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/base/result.h"
#include "core/runtime/scheduler.h"
#include "os/epoll_reactor.h"

namespace brook {

class SyncWorker final : private EpollReactor::Watcher {
public:
    static Result<std::unique_ptr<SyncWorker>> create(Scheduler& scheduler,
                                                      EpollReactor& reactor);
    // Finishes queued jobs, stops the thread.
    ~SyncWorker();
    SyncWorker(const SyncWorker&) = delete;
    SyncWorker& operator=(const SyncWorker&) = delete;

    // fdatasync(fd) (or fsync(fd) when `full`) on the helper thread; returns 0 or the errno.
    // Outside a fiber it runs inline. May suspend.
    int sync(int fd, bool full);

    uint64_t syncs_completed() const { return syncs_completed_; }

private:
    struct Job;
    SyncWorker(Scheduler& scheduler, EpollReactor& reactor, int event_fd);
    void on_ready(uint32_t events) override;
    void run_thread();
    void wait_until_finished_by_thread(Job& job);

    Scheduler& scheduler_;
    EpollReactor& reactor_;
    int event_fd_;
    std::mutex mutex_;
    std::condition_variable work_or_stop_;
    std::condition_variable job_finished_;
    std::deque<Job*> queued_;
    std::vector<Job*> finished_;
    bool stopping_ = false;
    uint64_t syncs_completed_ = 0;
    std::thread thread_;
};

}  // namespace brook
