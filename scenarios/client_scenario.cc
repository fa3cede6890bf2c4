#include "scenarios/client_scenario.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/broker.h"
#include "core/client/admin.h"
#include "core/client/consumer.h"
#include "core/client/producer.h"
#include "core/base/big_endian.h"
#include "scenarios/broker_node.h"
#include "scenarios/client_checker.h"
#include "scenarios/cluster_run.h"
#include "scenarios/fault_actions.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

const std::string kTopic = "orders";
// Clients' request timeouts are drawn from [500 ms, this].
constexpr int64_t kRequestTimeoutMaxMs = 3000;
// A record's value: producer index (u32), sequence (u64), then padding.
constexpr std::size_t kValueHeaderBytes = 12;

struct Parameters {
    int producers;
    int partitions;
    uint32_t crash_tear_ppm;
    uint32_t crash_keep_none_ppm;
    uint32_t sync_error_ppm;
    uint64_t reset_per_million_chunks;
    int64_t crash_interval_ms;
    int64_t partition_interval_ms;
    int64_t link_latency_max_us;
    Duration fault_phase;

    static Parameters draw(Random& random) {
        Parameters p;
        p.producers = static_cast<int>(random.between(1, 3));
        p.partitions = static_cast<int>(random.between(1, 3));
        p.crash_tear_ppm =
            random.chance(1, 2) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.crash_keep_none_ppm =
            random.chance(1, 2) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.sync_error_ppm =
            random.chance(1, 4) ? static_cast<uint32_t>(random.between(10, 3000)) : 0;
        p.reset_per_million_chunks =
            random.chance(1, 2) ? static_cast<uint64_t>(random.between(10, 3000)) : 0;
        p.crash_interval_ms = random.between(500, 4000);
        p.partition_interval_ms = random.between(300, 3000);
        p.link_latency_max_us = random.between(100, 5000);
        p.fault_phase = milliseconds(random.between(3000, 6000));
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        auto put = [&](std::string_view name, auto value) {
            options.on_parameter(name, fmt::format("{}", value));
        };
        put("producers", producers);
        put("partitions", partitions);
        put("crash_tear_ppm", crash_tear_ppm);
        put("crash_keep_none_ppm", crash_keep_none_ppm);
        put("sync_error_ppm", sync_error_ppm);
        put("reset_per_million_chunks", reset_per_million_chunks);
        put("crash_interval_ms", crash_interval_ms);
        put("partition_interval_ms", partition_interval_ms);
        put("link_latency_max_us", link_latency_max_us);
        put("fault_phase_ms", to_ms(fault_phase));
    }
};

struct Shared {
    ClientChecker checker;
    std::vector<Address> bootstrap;
    std::vector<std::string> producers;
    bool producing = true;
    bool quiet = false;
    std::map<std::string, int> acks_when_quiet;
    int producers_closed = 0;
};

broker::BrokerConfig node_config(const Parameters& p, int index) {
    return cluster_broker_config(
        index, {{"log.retention.ms", "-1"}, {"num.partitions", fmt::format("{}", p.partitions)}});
}

// Decodes a record written by a producer of this scenario; nullopt for anything else.
std::optional<std::pair<std::string, uint64_t>> decode_value(
    const Shared& shared, const std::optional<client::Bytes>& value) {
    if (!value || value->size() < kValueHeaderBytes) return std::nullopt;
    uint32_t index = load_big_endian<uint32_t>(value->data());
    if (index >= shared.producers.size()) return std::nullopt;
    return std::pair(shared.producers[index], load_big_endian<uint64_t>(value->data() + 4));
}

void producer_main(Environment& env, Shared& shared, const Parameters& p, uint32_t index) {
    const std::string name = shared.producers[index];
    client::ProducerConfig config;
    config.cluster = drawn_cluster_config(env.random, shared.bootstrap, name, kRequestTimeoutMaxMs);
    config.acks = -1;
    config.max_in_flight = 1;
    config.linger = milliseconds(env.random.between(0, 20));
    config.batch_size = static_cast<int32_t>(env.random.between(100, 4000));
    config.retry_backoff = config.cluster.retry_backoff;
    config.partitioner =
        env.random.chance(1, 2) ? client::Partitioner::sticky : client::Partitioner::round_robin;
    config.compression = static_cast<compression::Compression>(env.random.uniform(5));
    client::Producer producer(env, config);
    uint64_t sequence = 0;
    while (shared.producing) {
        client::Bytes value(kValueHeaderBytes + env.random.uniform(100),
                            static_cast<uint8_t>(index));
        store_big_endian<uint32_t>(value.data(), index);
        store_big_endian<uint64_t>(value.data() + 4, sequence);
        client::ProducerRecord record{.topic = kTopic, .value = std::move(value)};
        if (env.random.chance(1, 3)) {
            record.key = client::Bytes{static_cast<uint8_t>(env.random.uniform(16))};
        } else if (env.random.chance(1, 3)) {
            record.partition = PartitionId(
                static_cast<int32_t>(env.random.uniform(static_cast<uint64_t>(p.partitions))));
        }
        shared.checker.sent(name, sequence);
        auto sent = producer.send(
            std::move(record), [&shared, name, sequence](const client::DeliveryReport& report) {
                if (!report.ok()) return;
                shared.checker.acknowledged(name, sequence, report.partition, report.offset);
                if (shared.quiet) ++shared.acks_when_quiet[name];
            });  // May suspend.
        ++sequence;
        if (!sent) env.clock.sleep_for(milliseconds(50));
        env.clock.sleep_for(microseconds(env.random.between(0, 10000)));
    }
    (void)producer.flush(env.clock.now() + seconds(60));  // May suspend.
    producer.close(env.clock.now() + seconds(10));
    ++shared.producers_closed;
}

std::vector<client::TopicPartition> all_partitions(const Parameters& p) {
    std::vector<client::TopicPartition> partitions;
    for (int i = 0; i < p.partitions; ++i) partitions.push_back({kTopic, PartitionId(i)});
    return partitions;
}

void consumer_main(Environment& env, Shared& shared, const Parameters& p, const std::string& name) {
    client::ConsumerConfig config;
    config.cluster = drawn_cluster_config(env.random, shared.bootstrap, name, kRequestTimeoutMaxMs);
    config.auto_offset_reset = client::OffsetReset::earliest;
    config.fetch_max_wait = milliseconds(env.random.between(10, 300));
    config.max_partition_fetch_bytes = static_cast<int32_t>(env.random.between(100, 20000));
    client::Consumer consumer(env, config);
    consumer.assign(all_partitions(p));
    while (true) {
        auto polled = consumer.poll(env.clock.now() + milliseconds(500));  // May suspend.
        if (!polled) {
            if (polled.error().code() == ErrorCode::corruption) {
                shared.checker.violation(name + ": " + polled.error().describe());
            }
            env.clock.sleep_for(milliseconds(100));
            continue;
        }
        for (const client::ConsumerRecord& record : *polled) {
            auto id = decode_value(shared, record.value);
            if (!id) {
                shared.checker.violation(
                    fmt::format("phantom-read: {} read an unknown record at "
                                "{}/{}",
                                name, record.partition, record.offset));
                continue;
            }
            shared.checker.read(name, record.partition, record.offset, id->first, id->second);
        }
    }
}

// Reads every partition from 0 to its end into the checker. May suspend.
std::optional<std::string> verify(Environment& env, Shared& shared, const Parameters& p) {
    Instant give_up = env.clock.now() + seconds(30);
    client::Admin admin(env, drawn_cluster_config(env.random, shared.bootstrap, "verifier-admin",
                                                  kRequestTimeoutMaxMs));
    std::map<client::TopicPartition, int64_t> query;
    for (const auto& tp : all_partitions(p)) query[tp] = client::kLatestTimestamp;
    auto ends = admin.list_offsets(query, give_up);
    admin.close();
    if (!ends) return "verifier: " + ends.error().describe();
    client::ConsumerConfig config;
    config.cluster =
        drawn_cluster_config(env.random, shared.bootstrap, "verifier", kRequestTimeoutMaxMs);
    config.auto_offset_reset = client::OffsetReset::earliest;
    config.fetch_max_wait = milliseconds(10);
    client::Consumer consumer(env, config);
    consumer.assign(all_partitions(p));
    for (const client::ListedOffset& end : *ends) {
        if (end.error != client::KafkaError::none) {
            return fmt::format("verifier: end of {}: {}", end.tp.to_string(),
                               protocol::kafka_error_name(end.error));
        }
    }
    std::map<PartitionId, Offset> next;
    while (true) {
        bool done = true;
        for (const client::ListedOffset& end : *ends) {
            if (next[end.tp.partition] < end.offset) done = false;
        }
        if (done) break;
        if (env.clock.now() > give_up) return "the verifier could not read the log";
        auto polled = consumer.poll(env.clock.now() + milliseconds(500));  // May suspend.
        if (!polled) return "verifier: " + polled.error().describe();
        for (const client::ConsumerRecord& record : *polled) {
            Offset& expected = next[record.partition];
            if (record.offset != expected) {
                shared.checker.violation(fmt::format("gap: the verifier expected {}/{}, got {}",
                                                     record.partition, expected, record.offset));
            }
            expected = record.offset + 1;
            auto id = decode_value(shared, record.value);
            if (!id) {
                shared.checker.violation(fmt::format("phantom-read: unknown record at {}/{}",
                                                     record.partition, record.offset));
                continue;
            }
            shared.checker.final_read(record.partition, record.offset, id->first, id->second);
        }
    }
    consumer.close();
    return std::nullopt;
}

// The cluster: producers p1.., consumer c1; no client crashes.
ClusterShape cluster_shape(const Parameters& p) {
    ClusterShape shape;
    shape.add_clients("p", p.producers);
    shape.add_clients("c", 1);
    return shape;
}

// Broker crashes, and one client at a time cut off from a broker for a while.
sim::FaultSchedule draw_schedule(Random& random, const Parameters& p, const ClusterShape& shape) {
    sim::FaultSchedule schedule;
    draw_broker_crashes(schedule, random, shape, p.fault_phase, p.crash_interval_ms, 300);
    for (Duration t = milliseconds(random.between(100, p.partition_interval_ms)); t < p.fault_phase;
         t += milliseconds(random.between(100, p.partition_interval_ms))) {
        const std::string& client = shape.clients[random.uniform(shape.clients.size())];
        std::string broker = pick_broker(random, shape);
        schedule.add(t, "partition", {client, broker});
        t += milliseconds(random.between(50, 1500));
        schedule.add(t, "heal", {client, broker});
    }
    return schedule;
}

Outcome run_client(const RunOptions& options) {
    Shared shared;  // before the simulation: its fibers borrow it until it is destroyed
    std::optional<std::string> verify_failure;
    bool verified = false;
    ClusterRun run(options);
    Simulation& sim = run.sim();
    Parameters p = Parameters::draw(run.random());
    p.report(options);
    ClusterShape shape = cluster_shape(p);
    sim::FaultSchedule drawn = draw_schedule(run.random(), p, shape);
    if (std::optional<std::string> bad = run.plan(shape, drawn)) {
        return run.finish(Verdict::invalid, *bad);
    }

    shared.bootstrap = run.shape().bootstrap();
    sim.network().options().link.latency_max = microseconds(p.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = p.reset_per_million_chunks;
    run.add_brokers([&p](int index) { return node_config(p, index); });
    for (const std::string& broker : run.shape().broker_names()) {
        sim.disk(broker).set_faults(sim::SimDiskFaults{.sync_error_ppm = p.sync_error_ppm,
                                                       .crash_keep_none_ppm = p.crash_keep_none_ppm,
                                                       .crash_tear_ppm = p.crash_tear_ppm});
    }
    for (int i = 1; i <= p.producers; ++i) shared.producers.push_back(fmt::format("p{}", i));
    for (uint32_t i = 0; i < shared.producers.size(); ++i) {
        sim.add_process(shared.producers[i],
                        [&, i](Environment& env) { producer_main(env, shared, p, i); });
    }
    sim.add_process("c1", [&](Environment& env) { consumer_main(env, shared, p, "c1"); });

    run.run_fault_phase(p.fault_phase);
    run.calm(sim::SimDiskFaults{.crash_tear_ppm = p.crash_tear_ppm});
    shared.quiet = true;
    auto all_acknowledged = [&] {
        for (const std::string& name : shared.producers) {
            if (shared.acks_when_quiet[name] == 0) return false;
        }
        return true;
    };
    if (!run.run_until(seconds(20), all_acknowledged)) {
        for (const std::string& name : shared.producers) {
            if (shared.acks_when_quiet[name] == 0) {
                return run.finish(
                    Verdict::liveness,
                    fmt::format("{} got nothing acknowledged in 20 s after faults stopped", name));
            }
        }
    }
    shared.producing = false;
    if (!run.run_until(seconds(90), [&] { return shared.producers_closed == p.producers; })) {
        return run.finish(Verdict::liveness, "the producers did not flush and close in 90 s");
    }
    // The last crash: acknowledged records (acks=-1) must all survive it.
    run.crash_and_restart_brokers();
    sim.add_process("verifier", [&](Environment& env) {
        verify_failure = verify(env, shared, p);
        verified = true;
    });
    if (!run.run_until(seconds(40), [&] { return verified; })) {
        return run.finish(Verdict::liveness, "the verifier did not finish");
    }
    if (verify_failure) return run.finish(Verdict::liveness, *verify_failure);
    if (std::optional<std::string> anomaly = shared.checker.check()) {
        return run.finish(Verdict::correctness, *anomaly);
    }
    return run.finish(Verdict::passed,
                      fmt::format("{} acknowledged, {} read, {} in the final log",
                                  shared.checker.acknowledged_count(), shared.checker.read_count(),
                                  shared.checker.final_count()));
}

}  // namespace

Scenario client_scenario() {
    return Scenario{"client-produce",
                    "Brook's producer (max.in.flight 1, retries) and consumer against one broker "
                    "node that crashes, behind connections that reset and partitions that come "
                    "and go: acknowledged records at their reported offsets, in send order",
                    [](const RunOptions& options) { return run_client(options); }};
}

}  // namespace brook::scenarios
