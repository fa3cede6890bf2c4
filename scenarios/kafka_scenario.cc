#include "scenarios/kafka_scenario.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "scenarios/cluster_run.h"
#include "scenarios/fault_actions.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

constexpr Duration kLivenessBound = seconds(10);
constexpr Duration kVerifyBound = seconds(20);

broker::BrokerConfig node_config(const KafkaSetup& setup, int index) {
    std::vector<std::pair<std::string, std::string>> settings = {
        {"log.retention.ms", "-1"},
        {"num.partitions", fmt::format("{}", setup.shape.partitions)},
    };
    settings.insert(settings.end(), setup.broker_configs.begin(), setup.broker_configs.end());
    return cluster_broker_config(index, settings);
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

Outcome run(const RunOptions& options, const DrawSetup& draw) {
    History history;  // before the simulation: its fibers borrow these until it is destroyed
    std::optional<KafkaWorkload> workload;
    bool verified = false;
    std::optional<std::string> verify_failure;
    ClusterRun run(options);
    Simulation& sim = run.sim();
    KafkaSetup drawn = draw(run.random());
    std::optional<std::string> bad_override = apply_overrides(drawn, options.overrides);
    const KafkaSetup setup = std::move(drawn);
    if (options.on_parameter) {
        for (const auto& [name, value] : setup.parameters) options.on_parameter(name, value);
    }
    std::optional<std::string> bad_schedule = run.plan(setup.cluster(), setup.schedule);
    if (bad_override) return run.finish(Verdict::invalid, *bad_override);
    if (bad_schedule) return run.finish(Verdict::invalid, *bad_schedule);

    sim.network().options().link.latency_max = microseconds(setup.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = setup.reset_per_million_chunks;
    run.add_brokers([&setup](int index) { return node_config(setup, index); });
    for (const std::string& broker : run.shape().broker_names()) {
        sim.disk(broker).set_faults(setup.disk_faults);
    }
    workload.emplace(history, setup.shape, run.shape().bootstrap());
    workload->start(sim);

    // Phase 1: faults.
    run.run_fault_phase(setup.fault_phase);

    // Phase 2: quiet; every client must make progress.
    sim::SimDiskFaults calm;
    calm.crash_keep_all_ppm = setup.disk_faults.crash_keep_all_ppm;
    calm.crash_keep_none_ppm = setup.disk_faults.crash_keep_none_ppm;
    calm.crash_tear_ppm = setup.disk_faults.crash_tear_ppm;
    run.calm(calm);
    workload->begin_quiet();
    if (!run.run_until(kLivenessBound, [&] { return workload->idle_since_quiet().empty(); })) {
        std::string idle = workload->idle_since_quiet();
        // What was recorded so far may already show why (no final reads have happened yet).
        CheckOptions partial = setup.check;
        partial.final_reads = false;
        CheckResult so_far = check_kafka_history(history, partial);
        if (!so_far.valid()) {
            return run.finish(Verdict::correctness,
                              fmt::format("{} ({} made no progress after faults stopped)",
                                          so_far.summary(), idle));
        }
        return run.finish(Verdict::liveness,
                          fmt::format("{} made no progress (nothing acknowledged or read) in {} s "
                                      "after faults stopped",
                                      idle, to_ms(kLivenessBound) / 1000));
    }

    // Phase 3: a last crash; then everything acknowledged must be readable.
    workload->stop_producing();
    sim.run_for(seconds(1));
    run.crash_and_restart_brokers();
    sim.add_process("verifier", [&](Environment& env) {
        verify_failure = workload->verify(env, kVerifyBound);
        verified = true;
    });
    if (!run.run_until(kVerifyBound + seconds(1), [&] { return verified; })) {
        verify_failure = "the verifier did not finish";
    }

    // Phase 4: the whole history. It is judged even when the verifier could not read to the
    // end: acknowledged values it could not reach are then `unseen`, which says more than
    // "stuck".
    CheckResult result = check_kafka_history(history, setup.check);
    if (!result.valid()) {
        return run.finish(Verdict::correctness,
                          verify_failure ? fmt::format("{} ({})", result.summary(), *verify_failure)
                                         : result.summary());
    }
    if (verify_failure) return run.finish(Verdict::liveness, *verify_failure);
    if (result.acknowledged == 0) return run.finish(Verdict::liveness, "nothing was acknowledged");
    return run.finish(Verdict::passed, result.summary());
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
    if (mode == 1) setup.disk_faults.crash_keep_none_ppm = kPartsPerMillion;
    if (mode == 2) setup.disk_faults.crash_keep_all_ppm = kPartsPerMillion;
    setup.disk_faults.crash_tear_ppm =
        random.chance(3, 4) ? static_cast<uint32_t>(random.between(0, kPartsPerMillion)) : 0;
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

ClusterShape KafkaSetup::cluster() const {
    ClusterShape cluster{.brokers = brokers, .replication_factor = replication_factor};
    cluster.add_clients("p", shape.producers);
    cluster.add_clients("c", shape.consumers, /*can_restart=*/true);
    return cluster;
}

std::string KafkaSetup::pick_broker(Random& random) const {
    return scenarios::pick_broker(random, cluster());
}

void KafkaSetup::draw_crashes(Random& random, int64_t interval_ms_max, int64_t downtime_ms_max) {
    draw_broker_crashes(schedule, random, cluster(), fault_phase, interval_ms_max, downtime_ms_max);
}

Scenario kafka_scenario(std::string name, std::string description, DrawSetup draw) {
    return Scenario{
        std::move(name), std::move(description),
        [draw = std::move(draw)](const RunOptions& options) { return run(options, draw); },
        kOverridable};
}

}  // namespace brook::scenarios
