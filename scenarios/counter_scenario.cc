#include "scenarios/counter_scenario.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "core/counter/counter_client.h"
#include "core/counter/counter_server.h"
#include "scenarios/counter_checker.h"
#include "sim/simulation.h"
#include "scenarios/run_outcome.h"

namespace brook::scenarios {
namespace {

using counter::CounterClient;
using counter::CounterOptions;
using counter::CounterServer;
using sim::Simulation;

constexpr uint16_t kPort = 7000;
const std::array<std::string, 3> kNodes = {"n1", "n2", "n3"};  // n1 is the primary

// Drawn from the seed before anything runs (swarm testing: each seed enables a different mix
// of faults at different rates, so rare combinations get explored).
struct Parameters {
    int clients;
    bool crashes;
    int64_t crash_interval_ms;
    bool partitions;
    int64_t partition_interval_ms;
    int64_t partition_length_ms;
    int64_t client_pause_ms;
    Duration fault_phase;
    // What a crash keeps of unsynced writes: 0 a random prefix, 1 nothing, 2 everything.
    int disk_crash_mode;
    uint32_t disk_error_ppm;     // EIO on write, sync and directory sync
    uint64_t reset_per_million;  // connection resets per delivered chunk
    int64_t latency_max_us;

    static Parameters draw(Random& random) {
        Parameters p;
        p.clients = static_cast<int>(random.between(1, 3));
        p.crashes = random.chance(3, 4);
        p.crash_interval_ms = random.between(300, 4000);
        p.partitions = random.chance(1, 2);
        p.partition_interval_ms = random.between(300, 4000);
        p.partition_length_ms = random.between(50, 3000);
        p.client_pause_ms = random.between(0, 100);
        p.fault_phase = seconds(random.between(5, 20));
        p.disk_crash_mode = static_cast<int>(random.uniform(3));
        p.disk_error_ppm = random.chance(1, 3) ? static_cast<uint32_t>(random.between(1, 20000)) : 0;
        p.reset_per_million = random.chance(1, 3) ? random.uniform(2000) : 0;
        p.latency_max_us = random.between(100, 20000);
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        options.on_parameter("clients", std::to_string(clients));
        options.on_parameter("crashes", crashes ? "on" : "off");
        options.on_parameter("crash_interval_ms", std::to_string(crash_interval_ms));
        options.on_parameter("partitions", partitions ? "on" : "off");
        options.on_parameter("partition_interval_ms", std::to_string(partition_interval_ms));
        options.on_parameter("partition_length_ms", std::to_string(partition_length_ms));
        options.on_parameter("client_pause_ms", std::to_string(client_pause_ms));
        options.on_parameter("fault_phase_s", std::to_string(to_ms(fault_phase) / 1000));
        static constexpr const char* kCrashModes[] = {"random-prefix", "lose-unsynced",
                                                      "keep-unsynced"};
        options.on_parameter("disk_crash", kCrashModes[disk_crash_mode]);
        options.on_parameter("disk_error_ppm", std::to_string(disk_error_ppm));
        options.on_parameter("reset_per_million_chunks", std::to_string(reset_per_million));
        options.on_parameter("latency_max_us", std::to_string(latency_max_us));
    }
};

CounterOptions node_options(const std::string& node, bool sync_before_ack) {
    CounterOptions options;
    options.listen = Address{node, kPort};
    options.sync_before_ack = sync_before_ack;
    if (node == kNodes[0]) {
        for (std::size_t i = 1; i < kNodes.size(); ++i) {
            options.backups.push_back(Address{kNodes[i], kPort});
        }
    }
    return options;
}

void set_faults(Simulation& sim, const Parameters& p, bool on) {
    for (const std::string& node : kNodes) {
        sim::SimDiskFaults faults;
        faults.crash_keep_none_ppm = p.disk_crash_mode == 1 ? 1'000'000 : 0;
        faults.crash_keep_all_ppm = p.disk_crash_mode == 2 ? 1'000'000 : 0;
        if (on) {
            faults.write_error_ppm = p.disk_error_ppm;
            faults.sync_error_ppm = p.disk_error_ppm;
            faults.sync_directory_error_ppm = p.disk_error_ppm;
        }
        sim.disk(node).set_faults(faults);
    }
    sim.network().options().reset_per_million_chunks = on ? p.reset_per_million : 0;
    sim.network().options().link.latency_max = microseconds(p.latency_max_us);
}

// The nemesis's plan, drawn from the seed before the run: crashes with restarts after a random
// downtime, and one-way or two-way partitions that heal after partition_length_ms.
sim::FaultSchedule draw_schedule(Random random, const Parameters& p) {
    sim::FaultSchedule schedule;
    auto pick_node = [&] { return kNodes[random.uniform(kNodes.size())]; };
    if (p.crashes) {
        Duration t = milliseconds(random.between(0, p.crash_interval_ms));
        while (t < p.fault_phase) {
            std::string node = pick_node();
            schedule.add(t, "crash", {node});
            Duration downtime = milliseconds(random.between(50, 2 * p.crash_interval_ms));
            if (t + downtime < p.fault_phase) schedule.add(t + downtime, "restart", {node});
            t += milliseconds(random.between(1, 2 * p.crash_interval_ms));
        }
    }
    if (p.partitions) {
        Duration t = milliseconds(random.between(0, p.partition_interval_ms));
        while (t < p.fault_phase) {
            std::string a = pick_node();
            std::string b = pick_node();
            if (a != b) {
                schedule.add(t, "partition", {a, b});
                if (random.chance(1, 2)) schedule.add(t, "partition", {b, a});
                schedule.add(t + milliseconds(p.partition_length_ms), "heal", {a, b});
            }
            t += milliseconds(random.between(1, 2 * p.partition_interval_ms));
        }
    }
    return schedule;
}

bool is_node(const std::string& name) {
    return std::find(kNodes.begin(), kNodes.end(), name) != kNodes.end();
}

// Empty when every event names an action this scenario knows, with nodes it has.
std::string check_schedule(const sim::FaultSchedule& schedule) {
    for (const sim::FaultEvent& event : schedule.events()) {
        std::size_t arity = event.action == "crash" || event.action == "restart" ? 1
                            : event.action == "partition" || event.action == "heal" ? 2
                                                                                     : 0;
        if (arity == 0) return fmt::format("unknown action '{}'", event.action);
        if (event.targets.size() != arity) {
            return fmt::format("'{}' takes {} node names", event.action, arity);
        }
        for (const std::string& target : event.targets) {
            if (!is_node(target)) return fmt::format("no node named '{}'", target);
        }
    }
    return {};
}

void execute(Simulation& sim, const sim::FaultEvent& event) {
    const auto& t = event.targets;
    if (event.action == "crash") sim.crash(t[0]);
    if (event.action == "restart") sim.restart(t[0]);
    if (event.action == "partition") sim.network().partition(t[0], t[1]);
    if (event.action == "heal") sim.network().heal(t[0], t[1]);
}

Outcome run_counter(const RunOptions& options, bool sync_before_ack) {
    // Declared before the simulation: its fibers borrow these until it is destroyed.
    CounterChecker checker;
    bool clients_running = true;
    bool faults_active = true;
    int clients_done = 0;
    int answered = 0;
    std::vector<Instant> last_progress;

    Simulation sim(options.seed);
    if (!options.trace_path.empty()) sim.trace().write_to(options.trace_path);
    sim.trace().keep_lines(options.keep_trace_lines);
    Parameters p = Parameters::draw(sim.random());
    p.report(options);
    sim::FaultSchedule schedule = draw_schedule(sim.random().fork(), p);
    if (options.schedule) schedule = *options.schedule;
    if (options.on_schedule) options.on_schedule(schedule);

    Outcome outcome;
    outcome.schedule = schedule;
    auto finish = [&](Verdict verdict, std::string failure) {
        return conclude(sim, options, outcome, verdict, std::move(failure));
    };

    if (std::string problem = check_schedule(schedule); !problem.empty()) {
        return finish(Verdict::invalid, "schedule: " + problem);
    }

    for (const std::string& node : kNodes) {
        sim.add_process(node, [options = node_options(node, sync_before_ack)](Environment& env) {
            CounterServer server(env, options);
            (void)server.run();
        });
    }

    Instant faults_end = sim.now() + p.fault_phase;
    last_progress.assign(p.clients, Instant{});
    for (int i = 0; i < p.clients; ++i) {
        std::string name = fmt::format("c{}", i + 1);
        sim.add_process(name, [&, name, i](Environment& env) {
            CounterClient client(env, Address{kNodes[0], kPort});
            while (clients_running) {
                Result<int64_t> value = client.increment(seconds(2));
                if (value) {
                    checker.acknowledged(name, *value);
                    last_progress[i] = env.clock.now();
                }
                env.clock.sleep_for(milliseconds(env.random.between(0, p.client_pause_ms)));
            }
            ++clients_done;
        });
    }

    // Phase 1: faults, as scheduled.
    set_faults(sim, p, true);
    Instant start = sim.now();
    for (const sim::FaultEvent& event : schedule.events()) {
        sim.scheduler().call_at(start + event.at, [&sim, event, &faults_active] {
            if (faults_active) execute(sim, event);
        });
    }
    sim.run_for(p.fault_phase);
    faults_active = false;

    // Phase 2: heal everything and require progress (liveness).
    sim.network().heal_all();
    set_faults(sim, p, false);
    for (const std::string& node : kNodes) sim.restart(node);
    constexpr Duration kRecoveryBound = seconds(15);
    sim.run_for(kRecoveryBound);
    for (int i = 0; i < p.clients; ++i) {
        if (last_progress[i] <= faults_end) {
            return finish(Verdict::liveness,
                          fmt::format("c{} acknowledged nothing within {}s after faults stopped",
                                      i + 1, to_ms(kRecoveryBound) / 1000));
        }
    }
    clients_running = false;
    sim.run_for(seconds(3));
    if (clients_done != p.clients) {
        return finish(Verdict::liveness, "clients did not finish their last request");
    }

    // Phase 3: crash every node at once, restart, and read what each kept.
    for (const std::string& node : kNodes) sim.crash(node);
    for (const std::string& node : kNodes) sim.restart(node);
    sim.add_process("verifier", [&](Environment& env) {
        for (const std::string& node : kNodes) {
            CounterClient client(env, Address{node, kPort});
            for (int attempt = 0; attempt < 20; ++attempt) {
                Result<int64_t> value = client.get(seconds(1));
                if (value) {
                    checker.final_value(node, *value);
                    ++answered;
                    break;
                }
                env.clock.sleep_for(milliseconds(100));
            }
        }
    });
    sim.run_for(seconds(30));
    if (answered != static_cast<int>(kNodes.size())) {
        return finish(Verdict::liveness, "a node did not answer after the final restart");
    }
    if (std::optional<std::string> anomaly = checker.check()) {
        return finish(Verdict::correctness, *anomaly);
    }
    if (checker.acknowledged_count() == 0) {
        return finish(Verdict::liveness, "no increment was ever acknowledged");
    }
    return finish(Verdict::passed, fmt::format("{} increments acknowledged, max {}",
                                               checker.acknowledged_count(),
                                               checker.max_acknowledged()));
}

}  // namespace

Scenario counter_scenario() {
    return Scenario{"counter",
                    "primary-backup counter on 3 nodes; crashes, partitions, lost unsynced writes",
                    [](const RunOptions& options) { return run_counter(options, true); }};
}

Scenario counter_unsynced_scenario() {
    return Scenario{"counter-ack-before-sync",
                    "NEGATIVE: the counter acknowledges before fsync; the checker must fail it",
                    [](const RunOptions& options) { return run_counter(options, false); }};
}

}  // namespace brook::scenarios
