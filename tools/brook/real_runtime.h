// The production composition root: one node's Environment built from the real backends.
//
//   TRY_ASSIGN(auto runtime, RealRuntime::create("./data"));
//   runtime->on_shutdown_signal([&] { server.begin_shutdown(); });   // SIGTERM / SIGINT
//   runtime->scheduler().spawn("main", [&] { server.run(); });
//   runtime->scheduler().run();
//
// Used by every subcommand that runs a node for real (`brook counter serve`, later
// `brook serve`). The simulator has its own root (sim/simulation.h); core/ sees no difference.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/base/logger.h"
#include "core/runtime/environment.h"
#include "disk/lose_unsynced_disk.h"
#include "disk/posix_disk.h"
#include "disk/sync_worker.h"
#include "net/epoll_network.h"
#include "os/epoll_reactor.h"
#include "os/system_clock.h"

namespace brook::tools {

// Log lines on stderr: "2026-11-27T08:30:00.123Z INFO counter: listening on ...".
class StderrLogSink final : public LogSink {
public:
    explicit StderrLogSink(LogLevel threshold) : threshold_(threshold) {}
    void write(LogLevel level, std::string_view component, std::string_view message) override;
    LogLevel threshold() const override { return threshold_; }

private:
    LogLevel threshold_;
};

// A seed from the OS's random source (getrandom), for a production Random.
uint64_t seed_from_os();

// How the node's disk treats writes that no sync has covered yet.
enum class DiskMode {
    durable,               // PosixDisk: they are in the page cache and survive the process
    lose_unsynced_writes,  // LoseUnsyncedDisk over it, a test mode: they die with the process
};

class RealRuntime {
public:
    // `data_directory` is created when missing.
    static Result<std::unique_ptr<RealRuntime>> create(const std::string& data_directory,
                                                       LogLevel threshold = LogLevel::info,
                                                       DiskMode disk_mode = DiskMode::durable);
    ~RealRuntime();

    Environment& environment() { return *environment_; }
    Scheduler& scheduler() { return *scheduler_; }
    LogSink& log_sink() { return log_sink_; }
    // For descriptors that are not sockets (the client commands watch stdin).
    EpollReactor& reactor() { return *reactor_; }

    // Calls `handler` on the scheduler's stack (it must not suspend) after SIGTERM or SIGINT.
    // Until a handler is set, those signals stop the scheduler.
    void on_shutdown_signal(std::function<void()> handler);

private:
    RealRuntime(std::unique_ptr<EpollReactor> reactor, std::string data_directory,
                LogLevel threshold, DiskMode disk_mode);

    StderrLogSink log_sink_;
    std::unique_ptr<EpollReactor> reactor_;
    std::unique_ptr<Scheduler> scheduler_;
    std::unique_ptr<EpollNetwork> network_;
    std::unique_ptr<SystemClock> clock_;
    std::unique_ptr<SyncWorker> sync_worker_;
    std::unique_ptr<PosixDisk> disk_;
    // Set in DiskMode::lose_unsynced_writes: the node's disk, wrapping disk_.
    std::unique_ptr<LoseUnsyncedDisk> lose_unsynced_disk_;
    std::unique_ptr<Random> random_;
    std::unique_ptr<Environment> environment_;
    std::function<void()> shutdown_handler_;
};

}  // namespace brook::tools
