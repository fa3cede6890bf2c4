#include "scenarios/cluster_scenario.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/base/planted_bug.h"
#include "core/cluster/meta_properties.h"
#include "core/node/kraft_node.h"
#include "scenarios/cluster_checker.h"
#include "scenarios/cluster_clients.h"
#include "scenarios/cluster_run.h"
#include "scenarios/fault_actions.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

constexpr std::string_view kClusterId = "c1u2s3t4e5r6s7c8e9n0aA";
// A long crash keeps its broker down at least this long, more than kFenceBoundMs.
constexpr int64_t kLongCrashMinMs = kFenceBoundMs + 1000;

// Drawn from the seed before anything runs; each fault family on or off (swarm testing).
struct Parameters {
    bool crashes;  // one node down for a while, then back
    int64_t crash_downtime_max_ms;
    bool long_crashes;   // one node down past the session timeout: fenced, probed
    bool full_restarts;  // every node at once: the quorum restarts from its disks
    bool partitions;     // two nodes cut apart, or one node cut from both others
    int64_t partition_length_max_ms;
    bool clock_jumps;    // a node's wall clock steps up to 5 s either way
    int64_t gap_max_ms;  // between one fault's end and the next
    // What a crash keeps of unsynced writes: 0 a random prefix, 1 nothing, 2 everything.
    int disk_crash_mode;
    int64_t sync_latency_max_ms;
    int64_t latency_max_us;
    Duration fault_phase;
    ClientParameters clients;

    static Parameters draw(Random& random) {
        Parameters p;
        p.crashes = random.chance(2, 3);
        p.crash_downtime_max_ms = random.between(100, 2000);
        p.long_crashes = random.chance(1, 2);
        p.full_restarts = random.chance(1, 2);
        p.partitions = random.chance(1, 2);
        p.partition_length_max_ms = random.between(200, 3000);
        p.clock_jumps = random.chance(1, 3);
        p.gap_max_ms = random.between(100, 2000);
        p.disk_crash_mode = static_cast<int>(random.uniform(3));
        p.sync_latency_max_ms = random.between(1, 10);
        p.latency_max_us = random.between(100, 3000);
        p.fault_phase = milliseconds(random.between(10000, 24000));
        p.clients.partitions_max = static_cast<int32_t>(random.between(1, 6));
        p.clients.create_pause_max_ms = random.between(50, 500);
        p.clients.produce_pause_max_ms = random.between(2, 50);
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        auto put = [&](std::string_view name, auto value) {
            options.on_parameter(name, fmt::format("{}", value));
        };
        auto on = [](bool family) { return family ? "on" : "off"; };
        put("crashes", on(crashes));
        put("crash_downtime_max_ms", crash_downtime_max_ms);
        put("long_crashes", on(long_crashes));
        put("full_restarts", on(full_restarts));
        put("partitions", on(partitions));
        put("partition_length_max_ms", partition_length_max_ms);
        put("clock_jumps", on(clock_jumps));
        put("gap_max_ms", gap_max_ms);
        put("disk_crash", disk_crash_mode);
        put("sync_latency_max_ms", sync_latency_max_ms);
        put("latency_max_us", latency_max_us);
        put("fault_phase_ms", to_ms(fault_phase));
        put("partitions_max", clients.partitions_max);
        put("create_pause_max_ms", clients.create_pause_max_ms);
        put("produce_pause_max_ms", clients.produce_pause_max_ms);
    }
};

// One fault at a time, each followed by a gap: with three nodes, two overlapping faults mostly
// just stop the quorum. A long crash is preceded by a settled cluster (fence_probes below).
sim::FaultSchedule draw_schedule(Random& random, const Parameters& p) {
    enum Family { crash, long_crash, full_restart, partition, clock_jump };
    std::vector<Family> families;
    if (p.crashes) families.push_back(crash);
    if (p.long_crashes) families.push_back(long_crash);
    if (p.full_restarts) families.push_back(full_restart);
    if (p.partitions) families.push_back(partition);
    if (p.clock_jumps) families.push_back(clock_jump);
    sim::FaultSchedule schedule;
    if (families.empty()) return schedule;
    auto node = [&] {
        return ClusterShape::broker_name(static_cast<int>(random.between(1, kNodes)));
    };
    auto other = [&](const std::string& than) {
        std::string chosen = node();
        while (chosen == than) chosen = node();
        return chosen;
    };
    Duration t = milliseconds(random.between(200, 2000));
    while (t < p.fault_phase) {
        Duration end = t;
        switch (families[random.uniform(families.size())]) {
            case crash: {
                std::string victim = node();
                end = t + milliseconds(random.between(50, p.crash_downtime_max_ms));
                schedule.add(t, "crash", {victim});
                schedule.add(end, "restart", {victim});
                break;
            }
            case long_crash: {
                t += milliseconds(kSettleMs);
                std::string victim = node();
                end = t + milliseconds(random.between(kLongCrashMinMs, kLongCrashMinMs + 2000));
                schedule.add(t, "crash", {victim});
                schedule.add(end, "restart", {victim});
                break;
            }
            case full_restart:
                for (int index = 1; index <= kNodes; ++index) {
                    schedule.add(t, "crash", {ClusterShape::broker_name(index)});
                }
                for (int index = 1; index <= kNodes; ++index) {
                    Duration back = t + milliseconds(random.between(50, 1500));
                    schedule.add(back, "restart", {ClusterShape::broker_name(index)});
                    end = std::max(end, back);
                }
                break;
            case partition: {
                std::string cut = node();
                std::vector<std::string> from = {other(cut)};
                if (random.chance(1, 2)) {  // isolated from both others
                    for (int index = 1; index <= kNodes; ++index) {
                        std::string name = ClusterShape::broker_name(index);
                        if (name != cut && name != from[0]) from.push_back(name);
                    }
                }
                end = t + milliseconds(random.between(100, p.partition_length_max_ms));
                for (const std::string& peer : from) {
                    schedule.add(t, "partition", {cut, peer});
                    schedule.add(end, "heal", {cut, peer});
                }
                break;
            }
            case clock_jump:
                schedule.add(t, "clock-jump",
                             {node(), fmt::format("{}", random.between(-5000, 5000))});
                break;
        }
        t = end + milliseconds(random.between(0, p.gap_max_ms));
    }
    return schedule;
}

// Where the schedule keeps a node down past the fence bound with nothing else happening from
// kSettleMs before its crash until then: there the prober asks the others for Metadata. Derived
// from the executed schedule, so a replayed or shrunk one probes its own windows.
std::vector<FenceProbe> fence_probes(const sim::FaultSchedule& schedule, Duration fault_phase) {
    const std::vector<sim::FaultEvent>& events = schedule.events();
    std::vector<FenceProbe> probes;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const sim::FaultEvent& crashed = events[i];
        if (crashed.action != "crash") continue;
        Duration probe_at = crashed.at + milliseconds(kFenceBoundMs);
        bool quiet = probe_at < fault_phase;
        bool restarted_after = true;  // not restarted before the probe (or not at all)
        for (std::size_t j = 0; j < events.size() && quiet; ++j) {
            const sim::FaultEvent& other = events[j];
            if (j == i || other.at <= crashed.at - milliseconds(kSettleMs)) continue;
            if (other.action == "restart" && other.targets == crashed.targets) {
                restarted_after = restarted_after && other.at > probe_at + milliseconds(500);
                if (other.at > crashed.at) continue;
            }
            if (other.at <= probe_at + milliseconds(500)) quiet = false;
        }
        if (quiet && restarted_after) {
            int down = std::stoi(crashed.targets[0].substr(1));
            probes.push_back({probe_at, down});
        }
    }
    return probes;
}

broker::BrokerConfig node_config(int index) {
    std::string voters;
    for (int voter = 1; voter <= kNodes; ++voter) {
        voters += fmt::format("{}{}@n{}:{}", voter == 1 ? "" : ",", voter, voter, kControllerPort);
    }
    std::string text = fmt::format(
        "process.roles=broker,controller\n"
        "node.id={0}\n"
        "controller.quorum.voters={1}\n"
        "controller.listener.names=CONTROLLER\n"
        "listeners=PLAINTEXT://n{0}:{2},CONTROLLER://n{0}:{3}\n"
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
        "broker.session.timeout.ms={4}\n"
        "broker.heartbeat.interval.ms={5}\n"
        "controller.quorum.election.timeout.ms={6}\n"
        "controller.quorum.fetch.timeout.ms={7}\n"
        "log.dirs=/data/n{0}\n",
        index, voters, kBrokerPort, kControllerPort, kSessionTimeoutMs, kHeartbeatIntervalMs,
        kElectionTimeoutMs, kFetchTimeoutMs);
    auto config = broker::BrokerConfig::parse(text);
    ASSERT(config.ok(), "cluster scenario config: {}", config.error().describe());
    return std::move(config).value();
}

// Node n<index> for ever: `brook format` once, then the KraftNode, started again 100 ms after
// it stops (it stops only when it cannot start or a part fails). Ends when its process crashes.
// May suspend.
void serve_node(Environment& env, int index, ClusterClients& clients) {
    Logger log(env.log_sink, "scenario");
    while (true) {
        Result<std::optional<cluster::MetaProperties>> found =
            cluster::read_meta_properties(env.disk);
        if (found.ok() && !*found) {
            cluster::MetaProperties meta{std::string(kClusterId), NodeId(index),
                                         cluster::random_uuid_text(env.random)};
            Result<void> formatted = cluster::write_meta_properties(env.disk, meta);
            if (!formatted.ok()) log.warn("format: {}", formatted.error().describe());
        }
        {
            node::KraftNode node(env, node_config(index));
            if (planted(PlantedBug::activate_before_catch_up)) {
                node.plant(node::NodePlantedBug::activate_before_catch_up);
            }
            if (planted(PlantedBug::elect_fenced_leader)) {
                node.plant(controller::ControllerPlantedBug::elect_fenced_leader);
            }
            clients.node_started(index, &node);
            struct Forget {
                ClusterClients& clients;
                int index;
                ~Forget() { clients.node_started(index, nullptr); }
            } forget{clients, index};
            Result<void> ran = node.run();  // May suspend.
            log.info("node n{} stopped: {}", index, ran.ok() ? "ok" : ran.error().describe());
        }
        env.clock.sleep_for(milliseconds(100));
    }
}

sim::SimDiskFaults disk_faults(const Parameters& p) {
    sim::SimDiskFaults faults;
    faults.crash_keep_none_ppm = p.disk_crash_mode == 1 ? 1'000'000 : 0;
    faults.crash_keep_all_ppm = p.disk_crash_mode == 2 ? 1'000'000 : 0;
    faults.sync_latency_min = milliseconds(1);
    faults.sync_latency_max = milliseconds(p.sync_latency_max_ms);
    return faults;
}

// Runs `check` as process `name` until it finishes or `bound` passes: nullopt when it passed,
// else the verdict and why.
std::optional<std::pair<Verdict, std::string>> run_check(
    ClusterRun& run, ClusterClients& clients, const std::string& name, Duration bound,
    std::function<std::optional<std::string>(Environment&)> check) {
    bool finished = false;
    std::optional<std::string> failure;
    run.sim().add_process(name, [&](Environment& env) {
        failure = check(env);
        finished = true;
    });
    bool in_time = run.run_until(bound, [&] { return finished || clients.checker().violation(); });
    if (clients.checker().violation()) {
        return std::pair(Verdict::correctness, *clients.checker().violation());
    }
    if (!in_time) {
        return std::pair(Verdict::liveness,
                         fmt::format("{} did not finish within {} ms", name, to_ms(bound)));
    }
    if (failure) return std::pair(Verdict::liveness, *failure);
    return std::nullopt;
}

Outcome run_cluster(const RunOptions& options) {
    // Made once the seed drew its parameters, but declared before the run: the nodes' and
    // clients' fibers borrow it until the simulation unwinds them.
    std::unique_ptr<ClusterClients> owned_clients;
    ClusterRun run(options);
    Simulation& sim = run.sim();
    Parameters p = Parameters::draw(run.random());
    p.report(options);
    ClusterShape shape{.brokers = kNodes};
    shape.add_clients("a", 1);  // the admin
    shape.add_clients("p", 1);  // the producer
    shape.add_clients("f", 1);  // the fencing prober
    sim::FaultSchedule drawn = draw_schedule(run.random(), p);
    if (std::optional<std::string> bad = run.plan(shape, drawn)) {
        return run.finish(Verdict::invalid, *bad);
    }
    std::vector<FenceProbe> probes = fence_probes(run.schedule(), p.fault_phase);
    if (options.on_parameter)
        options.on_parameter("fence_probes", fmt::format("{}", probes.size()));

    owned_clients = std::make_unique<ClusterClients>(p.clients, shape.bootstrap());
    ClusterClients& clients = *owned_clients;
    sim.network().options().link.latency_max = microseconds(p.latency_max_us);
    run.add_broker_processes(
        [&clients](Environment& env, int index) { serve_node(env, index, clients); });
    for (int index = 1; index <= kNodes; ++index) {
        sim.disk(ClusterShape::broker_name(index)).set_faults(disk_faults(p));
    }
    Instant start = sim.now();
    sim.add_process("a1", [&clients](Environment& env) { clients.admin(env); });
    sim.add_process("p1", [&clients](Environment& env) { clients.producer(env); });
    sim.add_process("f1", [&clients, &sim, start, probes](Environment& env) {
        clients.prober(env, sim, start, probes);
    });

    run.run_fault_phase(p.fault_phase);
    clients.stop_workload();
    if (clients.checker().violation()) {
        return run.finish(Verdict::correctness, *clients.checker().violation());
    }
    run.calm(disk_faults(p));
    if (!run.run_until(seconds(30), [&] { return clients.producer_closed(); })) {
        return run.finish(Verdict::liveness, "the producer did not flush and close in 30 s");
    }
    if (auto failed = run_check(run, clients, "v1", seconds(120),
                                [&](Environment& env) { return clients.check_recovered(env); })) {
        return run.finish(failed->first, failed->second);
    }
    // The last crash: every node at once, so the quorum restarts from its disks.
    run.crash_and_restart_brokers();
    if (auto failed = run_check(run, clients, "v2", seconds(180), [&](Environment& env) {
            return clients.check_after_last_crash(env);
        })) {
        return run.finish(failed->first, failed->second);
    }
    return run.finish(
        Verdict::passed,
        fmt::format("{} topics, {} records acknowledged and read back, {} fence "
                    "probes answered",
                    clients.checker().topics().size(), clients.checker().acknowledged_count(),
                    clients.checker().fence_probes()));
}

}  // namespace

Scenario cluster_scenario() {
    return Scenario{"cluster",
                    "three KRaft nodes (broker and controller each) and Brook's clients: topics "
                    "created through any broker, produce and read back; crashes, long crashes "
                    "(fencing), restarts of the whole quorum, partitions, clock jumps",
                    [](const RunOptions& options) { return run_cluster(options); }};
}

}  // namespace brook::scenarios
