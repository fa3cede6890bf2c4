// The frame every cluster-shaped scenario runs in: one simulation, a cluster of brokers n1..nN,
// the scenario's clients, and the run's fault schedule, through the same phases.
//
//   ClusterRun run(options);                       // the simulation, tracing as asked
//   Parameters p = Parameters::draw(run.random());  // everything drawn from the seed first,
//   sim::FaultSchedule drawn = draw_schedule(run.random(), p);   // the faults too
//   if (auto bad = run.plan(shape, drawn)) return run.finish(Verdict::invalid, *bad);
//   run.add_brokers([&](int index) { return config(index); });
//   ...add the clients (the shape's names) and start the workload...
//   run.run_fault_phase(p.fault_phase);            // (1) faults: the schedule executes
//   run.calm(quiet_disk_faults);                   // (2) quiet: links heal, everyone is up
//   if (!run.run_until(seconds(10), progressed)) return run.finish(Verdict::liveness, "...");
//   run.crash_and_restart_brokers();               // (3) the last crash; then a verifier reads
//   ...                                            // (4) the checker judges
//   return run.finish(Verdict::passed, summary);
//
// The schedule is the only source of faults that happen at a time (crashes, partitions,
// resets, clock steps, full disks): a scenario draws it from the seed before the run and never
// injects a fault otherwise, so RunOptions::schedule (`brook sim replay --schedule`, `brook sim
// shrink`) replaces all of them. Online odds (a disk's error rates, the network's random
// resets) are parameters of the seed, turned off by calm().
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/broker/broker_config.h"
#include "scenarios/cluster_shape.h"
#include "scenarios/scenario.h"
#include "sim/fault_schedule.h"
#include "sim/sim_disk.h"
#include "sim/simulation.h"

namespace brook::scenarios {

class ClusterRun {
public:
    explicit ClusterRun(const RunOptions& options);

    sim::Simulation& sim() { return sim_; }
    Random& random() { return sim_.random(); }
    const ClusterShape& shape() const { return shape_; }
    const sim::FaultSchedule& schedule() const { return outcome_.schedule; }
    // True until the fault phase ends.
    bool faults_active() const { return faults_active_; }

    // Fixes the shape and the schedule the run executes: RunOptions::schedule when given, else
    // `drawn`; tells RunOptions::on_schedule and keeps it for the outcome. Why the schedule
    // cannot run on this shape, if it cannot.
    std::optional<std::string> plan(ClusterShape shape, sim::FaultSchedule drawn);

    // Adds broker processes n1..nN; each serves make_config(index) for ever (index from 1) and
    // comes back after a failed start (scenarios/broker_node.h).
    void add_brokers(std::function<broker::BrokerConfig(int index)> make_config);
    // Adds broker processes n1..nN that each run serve(env, index) (index from 1): for brokers
    // that are not a plain broker::Broker (a KRaft node). `serve` should last as long as its
    // process, coming back after a failed start as serve_for_ever does.
    void add_broker_processes(std::function<void(Environment& env, int index)> serve);

    // Phase 1: runs for `length` while the schedule's events execute at their times; events
    // due after it are dropped (the quiet phase heals and restarts everything anyway).
    void run_fault_phase(Duration length);
    // Phase 2 begins: every broker's disk gets `disk_faults` (what a crash keeps, typically),
    // the network's random resets stop, every link heals, no clock drifts, every process is up.
    void calm(const sim::SimDiskFaults& disk_faults);
    // Runs in 100 ms steps until `done` or `bound` has passed; whether done.
    bool run_until(Duration bound, const std::function<bool()>& done);
    // Phase 3 begins: every broker crashes (its disk keeps what its faults say) and restarts.
    void crash_and_restart_brokers();

    // The outcome (scenarios/run_outcome.h), with the schedule executed.
    Outcome finish(Verdict verdict, std::string failure);

private:
    const RunOptions& options_;
    // Before the simulation: its broker processes call it until the simulation is destroyed.
    std::function<broker::BrokerConfig(int index)> make_config_;
    std::function<void(Environment& env, int index)> serve_;
    sim::Simulation sim_;
    ClusterShape shape_;
    Outcome outcome_;
    bool faults_active_ = true;
};

// A broker's config for broker `index` of a cluster: listening on its name's port 9092, node.id
// `index`, then `settings` (server.properties keys) in order.
broker::BrokerConfig cluster_broker_config(
    int index, const std::vector<std::pair<std::string, std::string>>& settings);

}  // namespace brook::scenarios
