#include "scenarios/fault_scenarios.h"

#include "scenarios/kafka_scenario.h"

namespace brook::scenarios {
namespace {

uint32_t draw_ppm(Random& random, int64_t low, int64_t high) {
    return static_cast<uint32_t>(random.between(low, high));
}

// The clients, by name, as the workload names them.
std::vector<std::string> clients(const KafkaSetup& setup) { return setup.cluster().clients; }

std::string pick(Random& random, const std::vector<std::string>& names) {
    return names[static_cast<std::size_t>(random.uniform(names.size()))];
}

// Fsyncs that take milliseconds widen every window between a write and its durability.
void maybe_slow_syncs(KafkaSetup& setup, Random& random, uint64_t odds_in = 1,
                      uint64_t odds_of = 3) {
    sim::SimDiskFaults defaults;
    setup.disk_faults.sync_latency_min = defaults.sync_latency_min;
    setup.disk_faults.sync_latency_max = defaults.sync_latency_max;
    if (!setup.enable(random, "slow_syncs", odds_in, odds_of)) return;
    setup.disk_faults.sync_latency_min = milliseconds(random.between(1, 5));
    setup.disk_faults.sync_latency_max = milliseconds(random.between(5, 30));
}

void add_produce_consume_crash(KafkaSetup& setup, Random& random) {
    int64_t interval_ms = random.between(300, 3000);
    setup.put("crash_interval_ms_max", interval_ms);
    if (setup.enable(random, "resets", 1, 3)) {
        setup.reset_per_million_chunks = static_cast<uint64_t>(random.between(10, 3000));
        setup.put("reset_per_million_chunks", setup.reset_per_million_chunks);
    }
    if (setup.enable(random, "sync_errors", 1, 4)) {
        setup.disk_faults.sync_error_ppm = draw_ppm(random, 10, 3000);
        setup.put("sync_error_ppm", setup.disk_faults.sync_error_ppm);
    }
    maybe_slow_syncs(setup, random, 1, 2);  // where reads race fsyncs
    setup.draw_crashes(random, interval_ms, 300);
    if (setup.enable(random, "consumer_commits", 1, 2)) {
        setup.shape.commits = true;
        if (setup.enable(random, "consumer_crashes", 2, 3)) {
            for (Duration t = milliseconds(random.between(200, 2000)); t < setup.fault_phase;
                 t += milliseconds(random.between(200, 2000))) {
                std::string consumer = fmt::format("c{}", random.between(1, setup.shape.consumers));
                setup.schedule.add(t, "crash", {consumer});
                setup.schedule.add(t + milliseconds(random.between(0, 500)), "restart", {consumer});
            }
        }
    }
}

void add_disk_faults(KafkaSetup& setup, Random& random) {
    sim::SimDiskFaults& faults = setup.disk_faults;
    if (setup.enable(random, "read_errors", 1, 3))
        faults.read_error_ppm = draw_ppm(random, 10, 5000);
    if (setup.enable(random, "write_errors", 1, 3))
        faults.write_error_ppm = draw_ppm(random, 10, 5000);
    if (setup.enable(random, "sync_errors", 1, 3)) {
        faults.sync_error_ppm = draw_ppm(random, 10, 5000);
        faults.sync_directory_error_ppm = draw_ppm(random, 10, 5000);
    }
    uint32_t bit_flip_ppm = 0;
    if (setup.enable(random, "bit_flips", 1, 4)) {
        // A single node cannot repair a flipped bit: acknowledged data may be lost, but corrupt
        // bytes must never pass as data. Flips start once the topic exists: a flipped bit in the
        // topic's metadata file stops the broker from starting at all (checksum mismatch), which
        // is its right, but would end every such seed the same way.
        bit_flip_ppm = draw_ppm(random, 100, 20000);
        Duration at = milliseconds(random.between(1000, 2000));
        setup.schedule.add(at, "bit-flips",
                           {setup.pick_broker(random), fmt::format("{}", bit_flip_ppm)});
        setup.check.storage_may_lose_data = true;
        setup.shape.skip_corrupt_batches = true;
    }
    setup.put("read_error_ppm", faults.read_error_ppm);
    setup.put("write_error_ppm", faults.write_error_ppm);
    setup.put("sync_error_ppm", faults.sync_error_ppm);
    setup.put("write_bit_flip_ppm", bit_flip_ppm);
    maybe_slow_syncs(setup, random);
    if (setup.enable(random, "disk_full", 1, 3)) {
        for (Duration t = milliseconds(random.between(200, 2000)); t < setup.fault_phase;
             t += milliseconds(random.between(200, 2000))) {
            std::string node = setup.pick_broker(random);
            setup.schedule.add(t, "disk-full", {node});
            t += milliseconds(random.between(50, 1500));
            setup.schedule.add(t, "disk-space", {node});
        }
    }
    if (setup.enable(random, "disk_crashes", 1, 2)) setup.draw_crashes(random, 2500, 300);
}

void add_network_faults(KafkaSetup& setup, Random& random) {
    std::vector<std::string> names = clients(setup);
    if (setup.enable(random, "client_partitions", 2, 3)) {
        for (Duration t = milliseconds(random.between(100, 1500)); t < setup.fault_phase;
             t += milliseconds(random.between(100, 1500))) {
            std::string client = pick(random, names);
            std::string node = setup.pick_broker(random);
            setup.schedule.add(t, "partition", {client, node});
            setup.schedule.add(t + milliseconds(random.between(50, 4000)), "heal", {client, node});
        }
    }
    if (setup.enable(random, "scheduled_resets", 1, 2)) {
        for (Duration t = milliseconds(random.between(50, 1000)); t < setup.fault_phase;
             t += milliseconds(random.between(50, 1000))) {
            std::string client = pick(random, names);
            setup.schedule.add(t, "reset", {client, setup.pick_broker(random)});
        }
    }
    if (setup.enable(random, "random_resets", 1, 3)) {
        setup.reset_per_million_chunks = static_cast<uint64_t>(random.between(10, 5000));
    }
    setup.put("reset_per_million_chunks", setup.reset_per_million_chunks);
    if (setup.enable(random, "slow_links", 1, 3)) {
        setup.link_latency_max_us = random.between(10'000, 200'000);
        setup.put("link_latency_max_us", setup.link_latency_max_us);
    }
    if (setup.enable(random, "network_crashes", 1, 4)) setup.draw_crashes(random, 3000, 300);
}

void add_clock_jumps(KafkaSetup& setup, Random& random) {
    std::vector<std::string> names = clients(setup);
    auto draw_jumps = [&](bool broker) {
        for (Duration t = milliseconds(random.between(100, 2000)); t < setup.fault_phase;
             t += milliseconds(random.between(100, 2000))) {
            int64_t jump_ms = random.between(1, 7'200'000) * (random.chance(1, 2) ? 1 : -1);
            std::string target = broker ? setup.pick_broker(random) : pick(random, names);
            setup.schedule.add(t, "clock-jump", {target, fmt::format("{}", jump_ms)});
        }
    };
    if (setup.enable(random, "broker_jumps", 2, 3)) draw_jumps(true);
    if (setup.enable(random, "client_jumps", 1, 2)) draw_jumps(false);
    if (setup.enable(random, "drift", 1, 2)) {
        std::string broker = setup.pick_broker(random);
        for (const std::string& name : {broker, pick(random, names)}) {
            int64_t ppm = random.between(100, 500'000) * (random.chance(1, 2) ? 1 : -1);
            setup.schedule.add(milliseconds(random.between(0, 1000)), "clock-drift",
                               {name, fmt::format("{}", ppm)});
        }
    }
    if (setup.enable(random, "retention", 1, 2)) {
        // Time-based retention reads the wall clock: a forward jump may expire segments early
        // (as in Kafka), which the checker excuses below the log start; nothing else may break.
        setup.shape.topic_configs["retention.ms"] =
            fmt::format("{}", random.between(1000, 600'000));
        setup.broker_configs["log.retention.check.interval.ms"] = "200";
        setup.put("retention_ms", setup.shape.topic_configs["retention.ms"]);
    }
    if (setup.enable(random, "clock_crashes", 1, 3)) setup.draw_crashes(random, 3000, 300);
}

void add_retention_race(KafkaSetup& setup, Random& random) {
    uint64_t segment_bytes = static_cast<uint64_t>(random.between(1024, 8192));
    setup.broker_configs["log.segment.bytes"] = fmt::format("{}", segment_bytes);
    setup.put("segment_bytes", segment_bytes);
    setup.broker_configs["log.retention.check.interval.ms"] =
        fmt::format("{}", random.between(50, 1000));
    bool by_time = setup.enable(random, "retention_by_time", 1, 2);
    bool by_size = setup.enable(random, "retention_by_size", 1, 2) || !by_time;
    if (by_time)
        setup.shape.topic_configs["retention.ms"] = fmt::format("{}", random.between(100, 3000));
    if (by_size)
        setup.shape.topic_configs["retention.bytes"] =
            fmt::format("{}", random.between(2048, 32768));
    for (const auto& [key, value] : setup.shape.topic_configs) setup.put(key, value);
    setup.shape.consumer_pause_max_ms = random.between(50, 2000);
    setup.put("consumer_pause_max_ms", setup.shape.consumer_pause_max_ms);
    if (setup.enable(random, "retention_crashes", 1, 3)) setup.draw_crashes(random, 3000, 300);
}

// The scenarios: the common draw, then one family's faults.
template <void (*add)(KafkaSetup&, Random&)>
KafkaSetup draw_family(Random& random) {
    KafkaSetup setup = KafkaSetup::draw_common(random);
    add(setup, random);
    return setup;
}

// Every family at once, each on or off per seed: the rare combinations (a clock jump during
// retention while the disk is full) that no single family reaches.
KafkaSetup draw_all_families(Random& random) {
    KafkaSetup setup = KafkaSetup::draw_common(random);
    if (setup.enable(random, "family_crashes", 1, 2)) add_produce_consume_crash(setup, random);
    if (setup.enable(random, "family_disk", 1, 2)) add_disk_faults(setup, random);
    if (setup.enable(random, "family_network", 1, 2)) add_network_faults(setup, random);
    if (setup.enable(random, "family_clock", 1, 2)) add_clock_jumps(setup, random);
    if (setup.enable(random, "family_retention", 1, 2)) add_retention_race(setup, random);
    return setup;
}

}  // namespace

Scenario produce_consume_crash_scenario() {
    return kafka_scenario("produce-consume-crash",
                          "history-checked produce/consume while the broker crashes; resets, "
                          "failing and slow fsyncs",
                          draw_family<add_produce_consume_crash>);
}

Scenario disk_faults_scenario() {
    return kafka_scenario("disk-faults",
                          "torn and lost unsynced writes, bit flips, EIO, ENOSPC: acknowledged "
                          "data survives, corrupt data is never served as data",
                          draw_family<add_disk_faults>);
}

Scenario network_faults_scenario() {
    return kafka_scenario("network-faults",
                          "partitions, resets and slow links between clients and the broker",
                          draw_family<add_network_faults>);
}

Scenario clock_jumps_scenario() {
    return kafka_scenario("clock-jumps",
                          "broker and client wall clocks jump and drift, with time-based "
                          "retention: ordering and durability hold",
                          draw_family<add_clock_jumps>);
}

Scenario all_faults_scenario() {
    return kafka_scenario("all-faults",
                          "every fault family of the scenarios above, each on or off per seed",
                          draw_all_families);
}

Scenario retention_race_scenario() {
    return kafka_scenario("retention-race",
                          "retention by time and size deletes segments under slow consumers, "
                          "who reset on OFFSET_OUT_OF_RANGE and never read wrong data",
                          draw_family<add_retention_race>);
}

}  // namespace brook::scenarios
