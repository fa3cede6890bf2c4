#include "tools/brook/real_runtime.h"

#include <sys/random.h>
#include <time.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace brook::tools {
namespace {

// The one reactor signal handlers may wake; set while a RealRuntime exists.
EpollReactor* g_signal_reactor = nullptr;
volatile std::sig_atomic_t g_shutdown_requested = 0;

void on_shutdown_signal_received(int) {
    g_shutdown_requested = 1;
    if (g_signal_reactor != nullptr) g_signal_reactor->wake();
}

}  // namespace

uint64_t seed_from_os() {
    uint64_t seed = 0;
    if (::getrandom(&seed, sizeof seed, 0) != static_cast<ssize_t>(sizeof seed)) {
        timespec now{};
        ::clock_gettime(CLOCK_REALTIME, &now);
        seed = static_cast<uint64_t>(now.tv_nsec) ^ static_cast<uint64_t>(now.tv_sec);
    }
    return seed;
}

void StderrLogSink::write(LogLevel level, std::string_view component, std::string_view message) {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    tm utc{};
    ::gmtime_r(&now.tv_sec, &utc);
    std::fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %.*s: %.*s\n",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, now.tv_nsec / 1'000'000, log_level_name(level).data(),
                 static_cast<int>(component.size()), component.data(),
                 static_cast<int>(message.size()), message.data());
}

Result<std::unique_ptr<RealRuntime>> RealRuntime::create(const std::string& data_directory,
                                                         LogLevel threshold,
                                                         DiskMode disk_mode) {
    TRY_ASSIGN(std::unique_ptr<EpollReactor> reactor, EpollReactor::create());
    std::unique_ptr<RealRuntime> runtime(
        new RealRuntime(std::move(reactor), data_directory, threshold, disk_mode));
    TRY_ASSIGN(runtime->sync_worker_,
               SyncWorker::create(*runtime->scheduler_, *runtime->reactor_));
    runtime->disk_->use_sync_worker(runtime->sync_worker_.get());
    TRY(runtime->disk_->make_directory(""));
    return runtime;
}

RealRuntime::RealRuntime(std::unique_ptr<EpollReactor> reactor, std::string data_directory,
                         LogLevel threshold, DiskMode disk_mode)
    : log_sink_(threshold), reactor_(std::move(reactor)) {
    scheduler_ = std::make_unique<Scheduler>(*reactor_);
    network_ = std::make_unique<EpollNetwork>(*scheduler_, *reactor_, log_sink_);
    clock_ = std::make_unique<SystemClock>(*scheduler_);
    disk_ = std::make_unique<PosixDisk>(std::move(data_directory));
    Disk* node_disk = disk_.get();
    if (disk_mode == DiskMode::lose_unsynced_writes) {
        lose_unsynced_disk_ = std::make_unique<LoseUnsyncedDisk>(*disk_);
        node_disk = lose_unsynced_disk_.get();
    }
    random_ = std::make_unique<Random>(seed_from_os());
    environment_ = std::make_unique<Environment>(
        Environment{*scheduler_, *clock_, *network_, *node_disk, *random_, log_sink_});

    g_signal_reactor = reactor_.get();
    g_shutdown_requested = 0;
    struct sigaction action {};
    action.sa_handler = on_shutdown_signal_received;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGTERM, &action, nullptr);
    ::sigaction(SIGINT, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    reactor_->set_wake_callback([this] {
        if (!g_shutdown_requested) return;
        g_shutdown_requested = 0;
        if (shutdown_handler_) {
            shutdown_handler_();
        } else {
            scheduler_->stop();
        }
    });
}

RealRuntime::~RealRuntime() {
    std::signal(SIGTERM, SIG_DFL);
    std::signal(SIGINT, SIG_DFL);
    g_signal_reactor = nullptr;
    // Fibers borrow the backends below; unwind them while those still exist (a fiber parked in
    // a sync waits for the sync worker there). Then the disk's files go before the worker.
    scheduler_.reset();
    lose_unsynced_disk_.reset();
    disk_.reset();
    sync_worker_.reset();
}

void RealRuntime::on_shutdown_signal(std::function<void()> handler) {
    shutdown_handler_ = std::move(handler);
}

}  // namespace brook::tools
