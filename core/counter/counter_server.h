// A toy replicated service that proves the runtime: a primary-backup counter.
//
// It is written only against core's seams (Environment), so the same code runs on epoll and
// POSIX files (`brook counter serve`) and inside the simulator (scenarios/counter_scenario.cc).
//
// Protocol, one text line each way:
//   client -> primary   "INC"      -> "OK <value>"      the value after this increment
//   anyone -> any node  "GET"      -> "VALUE <value>"
//   primary -> backup   "SET <v>"  -> "ACK <v>"
// Anything else closes that connection with a log line naming the peer and the reason.
//
// Guarantee: an increment is acknowledged only after the primary and every backup hold its
// value durably. So whatever crashes, every node's value after restart is at least the largest
// value ever acknowledged, and no two increments are acknowledged with the same value.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/logger.h"
#include "core/counter/counter_store.h"
#include "core/io/network.h"
#include "core/runtime/environment.h"
#include "core/runtime/mutex.h"

namespace brook::counter {

inline constexpr std::size_t kMaxLineBytes = 64;

struct CounterOptions {
    Address listen;
    // Empty on a backup; the primary replicates every increment to all of these.
    std::vector<Address> backups;
    // Test hook for the checker's own test: acknowledging before the value is durable must be
    // caught by the counter scenario's invariant.
    bool sync_before_ack = true;
    Duration request_timeout = seconds(10);
};

class CounterServer {
public:
    CounterServer(Environment& env, CounterOptions options);
    ~CounterServer();

    // Loads the durable value, listens and serves until the process ends. Returns early only
    // when the disk cannot be read or the address cannot be bound. May suspend.
    Result<void> run();

    int64_t value() const { return value_; }

private:
    class BackupLink;

    void serve(std::unique_ptr<Connection> connection);
    Result<std::string> handle(std::string_view line);
    Result<int64_t> increment();
    Result<void> replicate(int64_t value);

    Environment& env_;
    CounterOptions options_;
    Logger log_;
    CounterStore store_;
    Mutex increments_;
    std::vector<std::unique_ptr<BackupLink>> backups_;
    int64_t value_ = 0;
};

}  // namespace brook::counter
