// One deterministic simulation run: virtual time, one seed, many processes on one OS thread.
//
//   Simulation sim(seed);
//   sim.add_process("n1", [](Environment& env) { CounterServer(env, options).run(); });
//   sim.add_process("c1", [&](Environment& env) { client_workload(env, history); });
//   sim.scheduler().call_at(sim.now() + seconds(3), [&] { sim.crash("n1"); });
//   sim.scheduler().call_at(sim.now() + seconds(4), [&] { sim.restart("n1"); });
//   sim.run_for(seconds(60));
//   fmt::print("trace hash {:016x}\n", sim.trace().hash());
//
// A process is a function that runs in a fiber with its own Environment: its own clock, disk,
// random stream and view of the shared simulated network. Everything it creates lives in that
// fiber and the fibers it spawns, so a crash is exactly "kill that process's fibers": their
// stacks unwind, its connections are reset, and its disk keeps only what the durability model
// keeps (sim/sim_disk.h). A restart runs the same function again on the surviving disk.
//
// Every random choice comes from streams forked off the seed in a fixed order, so the same seed
// (and the same code) replays the same run, event for event; trace().hash() proves it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/base/logger.h"
#include "core/io/random.h"
#include "core/runtime/environment.h"
#include "core/runtime/scheduler.h"
#include "sim/sim_clock.h"
#include "sim/sim_disk.h"
#include "sim/sim_network.h"
#include "sim/sim_reactor.h"
#include "sim/trace.h"

namespace brook::sim {

// Log lines of simulated processes go into the trace, stamped with virtual time.
class TraceLogSink final : public LogSink {
public:
    TraceLogSink(Scheduler& scheduler, Trace& trace, std::string actor, LogLevel threshold)
        : scheduler_(scheduler), trace_(trace), actor_(std::move(actor)), threshold_(threshold) {}
    void write(LogLevel level, std::string_view component, std::string_view message) override;
    LogLevel threshold() const override { return threshold_; }

private:
    Scheduler& scheduler_;
    Trace& trace_;
    std::string actor_;
    LogLevel threshold_;
};

class Simulation {
public:
    using Main = std::function<void(Environment&)>;

    explicit Simulation(uint64_t seed, LogLevel log_threshold = LogLevel::info);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    uint64_t seed() const { return seed_; }
    Instant now() const { return scheduler_.now(); }
    Scheduler& scheduler() { return scheduler_; }
    Trace& trace() { return trace_; }
    SimNetwork& network() { return *network_; }
    // The scenario's own random stream (fault schedules, workload choices).
    Random& random() { return random_; }

    // Adds a process and starts it. `name` is also its network host name.
    void add_process(const std::string& name, Main main);

    // Kills the process: fibers unwound, timers cancelled, connections reset, disk crashed.
    // Call from a callback timer or a system fiber, never from the process itself.
    void crash(const std::string& name);
    // Starts a crashed process again from its Main, on what its disk kept.
    void restart(const std::string& name);
    bool is_up(const std::string& name) const;
    uint32_t incarnation(const std::string& name) const;

    SimDisk& disk(const std::string& name);
    SimClock& clock(const std::string& name);

    // Runs until `duration` of virtual time has passed (or stop() / nothing left to do).
    Scheduler::RunEnd run_for(Duration duration);

private:
    struct Process;
    Process& process(const std::string& name);
    const Process& process(const std::string& name) const;
    void boot(Process& process);
    static std::string describe_for_check(void* simulation);

    uint64_t seed_;
    LogLevel log_threshold_;
    Random random_;
    SimReactor reactor_;
    Trace trace_;
    Scheduler scheduler_;
    std::unique_ptr<SimNetwork> network_;
    std::map<std::string, std::unique_ptr<Process>> processes_;
    FiberGroup next_group_ = 1;
};

}  // namespace brook::sim
