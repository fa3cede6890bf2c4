#include "scenarios/kafka_scenario.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "core/broker/broker.h"
#include "scenarios/broker_node.h"
#include "scenarios/run_outcome.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

constexpr Duration kLivenessBound = seconds(10);
constexpr Duration kVerifyBound = seconds(20);

broker::BrokerConfig node_config(const KafkaSetup& setup) {
    broker::BrokerConfig config;
    auto set = [&](std::string_view key, const std::string& value) {
        Result<void> done = config.set(key, value);
        ASSERT(done.ok(), "scenario config {}={}: {}", key, value, done.error().describe());
    };
    set("listeners", fmt::format("PLAINTEXT://{}:9092", kBrokerNode));
    set("log.retention.ms", "-1");
    set("num.partitions", fmt::format("{}", setup.shape.partitions));
    for (const auto& [key, value] : setup.broker_configs) set(key, value);
    Result<void> finished = config.finish();
    ASSERT(finished.ok());
    return config;
}

std::optional<int64_t> parse_integer(std::string_view text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// The workload parameters a run may override (RunOptions::overrides), whole numbers from 1.
const std::vector<std::string> kOverridable = {"producers", "consumers", "partitions", "pipeline",
                                               "fault_phase_ms"};

// Replaces drawn parameters by `overrides`; what is wrong with them, if anything.
std::optional<std::string> apply_overrides(KafkaSetup& setup,
                                           const std::map<std::string, std::string>& overrides) {
    for (const auto& [name, text] : overrides) {
        if (std::find(kOverridable.begin(), kOverridable.end(), name) == kOverridable.end()) {
            return fmt::format("no parameter '{}' to override", name);
        }
        std::optional<int64_t> value = parse_integer(text);
        if (!value || *value < 1 || *value > 1'000'000) {
            return fmt::format("override {}={}: not a whole number from 1 to 1000000", name, text);
        }
        int narrow = static_cast<int>(*value);
        if (name == "producers") setup.shape.producers = narrow;
        if (name == "consumers") setup.shape.consumers = narrow;
        if (name == "partitions") setup.shape.partitions = narrow;
        if (name == "pipeline") setup.shape.pipeline = narrow;
        if (name == "fault_phase_ms") setup.fault_phase = milliseconds(*value);
        setup.put(name, *value);
    }
    return std::nullopt;
}

// Whether the scenario can execute `event`; a hand-edited schedule may not be.
bool executable(const sim::FaultEvent& event, const std::vector<std::string>& processes) {
    auto known = [&](const std::string& name) {
        return std::find(processes.begin(), processes.end(), name) != processes.end();
    };
    const std::vector<std::string>& t = event.targets;
    std::string node(kBrokerNode);
    if (event.action == "crash" || event.action == "restart") {
        // The broker, or a consumer (which resumes from its group's commits when it restarts).
        return t.size() == 1 && (t[0] == node || (known(t[0]) && t[0].starts_with("c")));
    }
    if (event.action == "disk-full" || event.action == "disk-space") {
        return t.size() == 1 && t[0] == node;
    }
    if (event.action == "partition" || event.action == "heal" || event.action == "reset") {
        return t.size() == 2 && known(t[0]) && t[1] == node;
    }
    if (event.action == "clock-jump" || event.action == "clock-drift") {
        return t.size() == 2 && known(t[0]) && parse_integer(t[1]).has_value();
    }
    if (event.action == "bit-flips") {
        std::optional<int64_t> ppm = t.size() == 2 ? parse_integer(t[1]) : std::nullopt;
        return t.size() == 2 && t[0] == node && ppm && *ppm >= 0 && *ppm <= sim::kPartsPerMillion;
    }
    return false;
}

void execute(Simulation& sim, const sim::FaultEvent& event, const KafkaSetup& setup) {
    const std::vector<std::string>& t = event.targets;
    if (event.action == "crash") {
        if (sim.is_up(t[0])) sim.crash(t[0]);
    } else if (event.action == "restart") {
        if (!sim.is_up(t[0])) sim.restart(t[0]);
    } else if (event.action == "partition") {
        sim.network().partition_both(t[0], t[1]);
    } else if (event.action == "heal") {
        sim.network().heal(t[0], t[1]);
    } else if (event.action == "reset") {
        sim.network().reset(t[0], t[1]);
    } else if (event.action == "clock-jump") {
        sim.clock(t[0]).jump(milliseconds(*parse_integer(t[1])));
    } else if (event.action == "clock-drift") {
        sim.clock(t[0]).set_drift_ppm(*parse_integer(t[1]));
    } else if (event.action == "bit-flips") {
        sim::SimDiskFaults faults = sim.disk(t[0]).faults();
        faults.write_bit_flip_ppm = static_cast<uint32_t>(*parse_integer(t[1]));
        sim.disk(t[0]).set_faults(faults);
    } else if (event.action == "disk-full" || event.action == "disk-space") {
        sim::SimDiskFaults faults = sim.disk(t[0]).faults();
        faults.capacity_bytes =
            event.action == "disk-full" ? sim.disk(t[0]).used_bytes() : UINT64_MAX;
        sim.disk(t[0]).set_faults(faults);
    }
}

Outcome run(const RunOptions& options, const DrawSetup& draw) {
    History history;  // before the simulation: its fibers borrow these until it is destroyed
    std::optional<KafkaWorkload> workload;
    bool faults_active = true;
    bool verified = false;
    std::optional<std::string> verify_failure;
    Simulation sim(options.seed);
    if (!options.trace_path.empty()) sim.trace().write_to(options.trace_path);
    sim.trace().keep_lines(options.keep_trace_lines);
    KafkaSetup drawn = draw(sim.random());
    std::optional<std::string> bad_override = apply_overrides(drawn, options.overrides);
    const KafkaSetup setup = std::move(drawn);
    if (options.on_parameter) {
        for (const auto& [name, value] : setup.parameters) options.on_parameter(name, value);
    }
    sim::FaultSchedule schedule = options.schedule ? *options.schedule : setup.schedule;
    if (options.on_schedule) options.on_schedule(schedule);

    Outcome outcome;
    outcome.schedule = schedule;
    auto finish = [&](Verdict verdict, std::string failure) {
        return conclude(sim, options, outcome, verdict, std::move(failure));
    };

    if (bad_override) return finish(Verdict::invalid, *bad_override);

    std::string node(kBrokerNode);
    std::vector<std::string> processes{node};
    for (int i = 1; i <= setup.shape.producers; ++i) processes.push_back(fmt::format("p{}", i));
    for (int i = 1; i <= setup.shape.consumers; ++i) processes.push_back(fmt::format("c{}", i));
    for (const sim::FaultEvent& event : schedule.events()) {
        if (!executable(event, processes)) {
            return finish(Verdict::invalid,
                          fmt::format("schedule: cannot execute {} {}", event.action,
                                      fmt::join(event.targets, " ")));
        }
    }

    sim.network().options().link.latency_max = microseconds(setup.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = setup.reset_per_million_chunks;
    sim.add_process(node, [&setup](Environment& env) {
        serve_for_ever(env, [&setup] { return node_config(setup); });
    });
    sim.disk(node).set_faults(setup.disk_faults);
    workload.emplace(history, setup.shape, Address{node, 9092});
    workload->start(sim);

    // Phase 1: faults.
    Instant start = sim.now();
    for (const sim::FaultEvent& event : schedule.events()) {
        sim.scheduler().call_at(start + event.at, [&sim, event, &setup, &faults_active] {
            if (faults_active) execute(sim, event, setup);
        });
    }
    sim.run_for(setup.fault_phase);
    faults_active = false;

    // Phase 2: quiet; every client must make progress.
    sim::SimDiskFaults calm;
    calm.crash_keep_all_ppm = setup.disk_faults.crash_keep_all_ppm;
    calm.crash_keep_none_ppm = setup.disk_faults.crash_keep_none_ppm;
    calm.crash_tear_ppm = setup.disk_faults.crash_tear_ppm;
    sim.disk(node).set_faults(calm);
    sim.network().options().reset_per_million_chunks = 0;
    sim.network().heal_all();
    for (const std::string& process : processes) sim.clock(process).set_drift_ppm(0);
    for (const std::string& process : processes) {
        if (!sim.is_up(process)) sim.restart(process);
    }
    workload->begin_quiet();
    for (Instant end = sim.now() + kLivenessBound;
         sim.now() < end && !workload->idle_since_quiet().empty();) {
        sim.run_for(milliseconds(100));
    }
    if (std::string idle = workload->idle_since_quiet(); !idle.empty()) {
        // What was recorded so far may already show why (no final reads have happened yet).
        CheckOptions partial = setup.check;
        partial.final_reads = false;
        CheckResult so_far = check_kafka_history(history, partial);
        if (!so_far.valid()) {
            return finish(Verdict::correctness,
                          fmt::format("{} ({} made no progress after faults stopped)",
                                      so_far.summary(), idle));
        }
        return finish(Verdict::liveness,
                      fmt::format("{} made no progress (nothing acknowledged or read) in {} s "
                                  "after faults stopped",
                                  idle, to_ms(kLivenessBound) / 1000));
    }

    // Phase 3: a last crash; then everything acknowledged must be readable.
    workload->stop_producing();
    sim.run_for(seconds(1));
    sim.crash(node);
    sim.restart(node);
    sim.add_process("verifier", [&](Environment& env) {
        verify_failure = workload->verify(env, kVerifyBound);
        verified = true;
    });
    for (Instant end = sim.now() + kVerifyBound + seconds(1); sim.now() < end && !verified;) {
        sim.run_for(milliseconds(100));
    }
    if (!verified) verify_failure = "the verifier did not finish";

    // Phase 4: the whole history. It is judged even when the verifier could not read to the
    // end: acknowledged values it could not reach are then `unseen`, which says more than
    // "stuck".
    CheckResult result = check_kafka_history(history, setup.check);
    if (!result.valid()) {
        return finish(Verdict::correctness,
                      verify_failure ? fmt::format("{} ({})", result.summary(), *verify_failure)
                                     : result.summary());
    }
    if (verify_failure) return finish(Verdict::liveness, *verify_failure);
    if (result.acknowledged == 0) return finish(Verdict::liveness, "nothing was acknowledged");
    return finish(Verdict::passed, result.summary());
}

}  // namespace

KafkaSetup KafkaSetup::draw_common(Random& random) {
    KafkaSetup setup;
    WorkloadShape& shape = setup.shape;
    shape.producers = static_cast<int>(random.between(1, 3));
    shape.consumers = static_cast<int>(random.between(1, 2));
    shape.partitions = static_cast<int>(random.between(1, 3));
    shape.pipeline = static_cast<int>(random.between(1, 3));
    setup.put("producers", shape.producers);
    setup.put("consumers", shape.consumers);
    setup.put("partitions", shape.partitions);
    setup.put("pipeline", shape.pipeline);
    uint64_t segment_bytes = static_cast<uint64_t>(random.between(4096, 65536));
    setup.broker_configs["log.segment.bytes"] = fmt::format("{}", segment_bytes);
    setup.put("segment_bytes", segment_bytes);
    // What a crash keeps of unsynced writes: a random prefix, nothing, or everything; torn or not.
    static constexpr const char* kCrashModes[] = {"random-prefix", "lose-unsynced",
                                                  "keep-unsynced"};
    uint64_t mode = random.uniform(3);
    if (mode == 1) setup.disk_faults.crash_keep_none_ppm = sim::kPartsPerMillion;
    if (mode == 2) setup.disk_faults.crash_keep_all_ppm = sim::kPartsPerMillion;
    setup.disk_faults.crash_tear_ppm =
        random.chance(3, 4) ? static_cast<uint32_t>(random.between(0, sim::kPartsPerMillion)) : 0;
    setup.put("crash_mode", kCrashModes[mode]);
    setup.put("crash_tear_ppm", setup.disk_faults.crash_tear_ppm);
    setup.link_latency_max_us = random.between(100, 5000);
    setup.put("link_latency_max_us", setup.link_latency_max_us);
    setup.fault_phase = milliseconds(random.between(3000, 8000));
    setup.put("fault_phase_ms", to_ms(setup.fault_phase));
    return setup;
}

bool KafkaSetup::enable(Random& random, std::string name, uint64_t in, uint64_t of) {
    bool on = random.chance(in, of);
    put(std::move(name), on ? "on" : "off");
    return on;
}

void KafkaSetup::draw_crashes(Random& random, int64_t interval_ms_max, int64_t downtime_ms_max) {
    std::string node(kBrokerNode);
    for (Duration t = milliseconds(random.between(100, interval_ms_max)); t < fault_phase;
         t += milliseconds(random.between(100, interval_ms_max))) {
        schedule.add(t, "crash", {node});
        t += milliseconds(random.between(0, downtime_ms_max));
        schedule.add(t, "restart", {node});
    }
}

Scenario kafka_scenario(std::string name, std::string description, DrawSetup draw) {
    return Scenario{
        std::move(name), std::move(description),
        [draw = std::move(draw)](const RunOptions& options) { return run(options, draw); },
        kOverridable};
}

}  // namespace brook::scenarios
