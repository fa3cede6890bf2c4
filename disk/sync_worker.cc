#include "disk/sync_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/base/check.h"
#include "core/runtime/wait_queue.h"

namespace brook {

struct SyncWorker::Job {
    int fd;
    bool full;
    WaitQueue* waiters;
    int error = 0;
    bool finished_by_thread = false;  // guarded by mutex_
    bool done = false;                // scheduler thread only: the fiber may go on
};

namespace {
int run_sync(int fd, bool full) {
    while ((full ? ::fsync(fd) : ::fdatasync(fd)) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}
}  // namespace

Result<std::unique_ptr<SyncWorker>> SyncWorker::create(Scheduler& scheduler,
                                                       EpollReactor& reactor) {
    int event_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (event_fd < 0) return Error(ErrorCode::io_error, "eventfd for the sync worker");
    std::unique_ptr<SyncWorker> worker(new SyncWorker(scheduler, reactor, event_fd));
    Result<void> watched = reactor.watch(event_fd, *worker);
    if (!watched) return watched.error();
    worker->thread_ = std::thread([raw = worker.get()] { raw->run_thread(); });
    return worker;
}

SyncWorker::SyncWorker(Scheduler& scheduler, EpollReactor& reactor, int event_fd)
    : scheduler_(scheduler), reactor_(reactor), event_fd_(event_fd) {}

SyncWorker::~SyncWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    work_or_stop_.notify_all();
    if (thread_.joinable()) thread_.join();
    reactor_.unwatch(event_fd_);
    ::close(event_fd_);
}

int SyncWorker::sync(int fd, bool full) {
    if (!scheduler_.in_fiber()) return run_sync(fd, full);
    WaitQueue waiters(scheduler_);
    Job job{fd, full, &waiters};
    {
        std::lock_guard lock(mutex_);
        ASSERT(!stopping_, "sync after the sync worker stopped");
        queued_.push_back(&job);
    }
    work_or_stop_.notify_one();
    // If this fiber is destroyed while parked (shutdown), its stack must outlive the job.
    struct Settle {
        SyncWorker& worker;
        Job& job;
        ~Settle() {
            if (!job.done) worker.wait_until_finished_by_thread(job);
        }
    } settle{*this, job};
    while (!job.done) waiters.wait();
    return job.error;
}

void SyncWorker::wait_until_finished_by_thread(Job& job) {
    std::unique_lock lock(mutex_);
    job_finished_.wait(lock, [&] { return job.finished_by_thread; });
    finished_.erase(std::remove(finished_.begin(), finished_.end(), &job), finished_.end());
}

void SyncWorker::on_ready(uint32_t) {
    uint64_t count;
    while (::read(event_fd_, &count, sizeof count) > 0) {
    }
    std::vector<Job*> finished;
    {
        std::lock_guard lock(mutex_);
        finished.swap(finished_);
    }
    for (Job* job : finished) {
        job->done = true;
        ++syncs_completed_;
        job->waiters->notify_all();
    }
}

void SyncWorker::run_thread() {
    while (true) {
        Job* job = nullptr;
        {
            std::unique_lock lock(mutex_);
            work_or_stop_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
            if (queued_.empty()) return;  // stopping, and nothing left to do
            job = queued_.front();
            queued_.pop_front();
        }
        int error = run_sync(job->fd, job->full);
        {
            std::lock_guard lock(mutex_);
            job->error = error;
            job->finished_by_thread = true;
            finished_.push_back(job);
        }
        job_finished_.notify_all();
        uint64_t one = 1;
        while (::write(event_fd_, &one, sizeof one) < 0 && errno == EINTR) {
        }
    }
}

}  // namespace brook
