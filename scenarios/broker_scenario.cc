#include "scenarios/broker_scenario.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/broker.h"
#include "core/client/kafka_calls.h"
#include "core/base/big_endian.h"
#include "core/log/record_batch_builder.h"
#include "scenarios/broker_checker.h"
#include "sim/simulation.h"
#include "scenarios/run_outcome.h"

namespace brook::scenarios {
namespace {

using client::KafkaConnection;
using client::KafkaError;
using sim::Simulation;

constexpr std::string_view kNode = "n1";
constexpr std::string_view kTopic = "events";
const Address kBroker{"n1", 9092};

struct Parameters {
    int producers;
    int consumers;
    int partitions;
    int pipeline;  // requests a producer keeps in flight
    uint64_t segment_bytes;
    uint32_t crash_tear_ppm;
    uint32_t crash_keep_none_ppm;
    uint32_t sync_error_ppm;
    uint64_t reset_per_million_chunks;
    int64_t crash_interval_ms;
    int64_t link_latency_max_us;
    Duration fault_phase;

    static Parameters draw(Random& random) {
        Parameters p;
        p.producers = static_cast<int>(random.between(1, 3));
        p.consumers = static_cast<int>(random.between(1, 2));
        p.partitions = static_cast<int>(random.between(1, 3));
        p.pipeline = static_cast<int>(random.between(1, 3));
        p.segment_bytes = static_cast<uint64_t>(random.between(4096, 65536));
        p.crash_tear_ppm = random.chance(3, 4) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.crash_keep_none_ppm = random.chance(1, 2) ? static_cast<uint32_t>(random.between(0, 1'000'000)) : 0;
        p.sync_error_ppm = random.chance(1, 4) ? static_cast<uint32_t>(random.between(10, 3000)) : 0;
        p.reset_per_million_chunks = random.chance(1, 3) ? static_cast<uint64_t>(random.between(10, 3000)) : 0;
        p.crash_interval_ms = random.between(300, 3000);
        p.link_latency_max_us = random.between(100, 5000);
        p.fault_phase = milliseconds(random.between(3000, 8000));
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        auto put = [&](std::string_view name, auto value) {
            options.on_parameter(name, fmt::format("{}", value));
        };
        put("producers", producers);
        put("consumers", consumers);
        put("partitions", partitions);
        put("pipeline", pipeline);
        put("segment_bytes", segment_bytes);
        put("crash_tear_ppm", crash_tear_ppm);
        put("crash_keep_none_ppm", crash_keep_none_ppm);
        put("sync_error_ppm", sync_error_ppm);
        put("reset_per_million_chunks", reset_per_million_chunks);
        put("crash_interval_ms", crash_interval_ms);
        put("link_latency_max_us", link_latency_max_us);
        put("fault_phase_ms", to_ms(fault_phase));
    }
};

struct Shared {
    BrokerChecker checker;
    broker::Broker* broker = nullptr;  // while the node runs
    uint64_t next_id = 1;
    bool producing = true;
    bool quiet = false;                 // faults over: liveness phase
    std::map<std::string, int> acks_when_quiet;  // acknowledgements during the quiet phase
    uint64_t boots = 0;
};

broker::BrokerConfig node_config(const Parameters& p) {
    broker::BrokerConfig config;
    auto set = [&](std::string_view key, std::string value) {
        Result<void> done = config.set(key, value);
        ASSERT(done.ok(), "scenario config {}: {}", key, done.error().describe());
    };
    set("listeners", "PLAINTEXT://n1:9092");
    set("log.segment.bytes", fmt::format("{}", p.segment_bytes));
    set("log.retention.ms", "-1");
    set("num.partitions", fmt::format("{}", p.partitions));
    Result<void> finished = config.finish();
    ASSERT(finished.ok());
    return config;
}

void node_main(Environment& env, Shared& shared, const Parameters& p) {
    ++shared.boots;
    while (true) {
        broker::Broker node(env, node_config(p));
        shared.broker = &node;
        struct Forget {
            Shared& shared;
            ~Forget() { shared.broker = nullptr; }
        } forget{shared};
        Result<void> ran = node.run();  // returns only if it could not start (an EIO)
        Logger(env.log_sink, "scenario").info("broker stopped: {}",
                                              ran ? "ok" : ran.error().describe());
        env.clock.sleep_for(milliseconds(100));
    }
}

// One connection, reopened after any failure. May suspend.
KafkaConnection* connection(Environment& env, std::unique_ptr<KafkaConnection>& kafka) {
    if (kafka) return kafka.get();
    auto connected = KafkaConnection::connect(env.network, kBroker, env.clock.now() + seconds(2),
                                              "sim-client");
    if (!connected) {
        env.clock.sleep_for(milliseconds(env.random.between(20, 200)));
        return nullptr;
    }
    kafka = std::move(connected).value();
    return kafka.get();
}

std::vector<uint8_t> make_batch(uint64_t id, Environment& env) {
    int records = static_cast<int>(env.random.between(1, 4));
    int64_t now_ms = wall_ms(env.clock.wall_now());
    log::RecordBatchBuilder builder(now_ms);
    for (int i = 0; i < records; ++i) {
        log::Bytes value(static_cast<std::size_t>(env.random.between(8, 300)), static_cast<uint8_t>(i));
        store_big_endian<uint64_t>(value.data(), id);
        builder.add(log::Record{.key = std::nullopt, .value = std::move(value), .headers = {},
                                .timestamp_ms = now_ms + i});
    }
    return builder.build();
}

void producer(Environment& env, Shared& shared, const Parameters& p, const std::string& name) {
    std::unique_ptr<KafkaConnection> kafka;
    // The topic; any producer may create it, the others see TOPIC_ALREADY_EXISTS.
    while (true) {
        KafkaConnection* c = connection(env, kafka);
        if (c == nullptr) continue;
        auto created = client::create_topic(*c, std::string(kTopic), p.partitions, {},
                                            env.clock.now() + seconds(5));
        if (created && (*created == KafkaError::none || *created == KafkaError::topic_already_exists)) break;
        kafka.reset();
        env.clock.sleep_for(milliseconds(100));
    }
    while (shared.producing) {
        KafkaConnection* c = connection(env, kafka);
        if (c == nullptr) continue;
        struct Sent {
            uint64_t id;
            PartitionId partition;
        };
        std::vector<Sent> in_flight;
        bool failed = false;
        for (int i = 0; i < p.pipeline && !failed; ++i) {
            uint64_t id = shared.next_id++;
            PartitionId partition(static_cast<int32_t>(env.random.uniform(p.partitions)));
            shared.checker.sent(name, id, partition);
            protocol::ProduceRequest request;
            request.acks = -1;
            request.timeout_ms = 10000;
            auto& topic = request.topic_data.emplace_back();
            topic.name = std::string(kTopic);
            topic.partition_data.push_back({partition.value(), make_batch(id, env)});
            failed = !c->send(request, 7, true, env.clock.now() + seconds(5));
            if (!failed) in_flight.push_back({id, partition});
        }
        for (const Sent& sent : in_flight) {
            if (failed) break;
            auto response = c->receive(env.clock.now() + seconds(10));  // May suspend.
            if (!response) {
                failed = true;
                break;
            }
            auto* produce = std::get_if<protocol::ProduceResponse>(&*response);
            if (produce == nullptr || produce->responses.size() != 1 ||
                produce->responses[0].partition_responses.size() != 1) {
                shared.checker.violation(fmt::format("{}: malformed produce response", name));
                failed = true;
                break;
            }
            const auto& result = produce->responses[0].partition_responses[0];
            if (result.error_code == 0) {
                shared.checker.acknowledged(name, sent.id, sent.partition, Offset(result.base_offset));
                if (shared.quiet) ++shared.acks_when_quiet[name];
            }
        }
        if (failed) {
            kafka.reset();  // outcomes of what was in flight stay unknown: never resent
            env.clock.sleep_for(milliseconds(env.random.between(10, 100)));
        }
        env.clock.sleep_for(microseconds(env.random.between(0, 20000)));
    }
}

// Reads `partition` from `next` on; returns false when the connection must be reopened.
bool consume_once(Environment& env, Shared& shared, KafkaConnection& kafka,
                  const std::string& name, PartitionId partition, Offset& next) {
    client::FetchOptions options{
        .max_wait_ms = static_cast<int32_t>(env.random.between(10, 300)),
        .partition_max_bytes = static_cast<int32_t>(env.random.between(100, 20000))};
    auto fetched = client::fetch(kafka, std::string(kTopic), partition, next, options,
                                 env.clock.now() + seconds(5));  // May suspend.
    if (!fetched) return false;
    if (fetched->error == KafkaError::offset_out_of_range) {
        shared.checker.violation(fmt::format(
            "unstable-read: {} got OFFSET_OUT_OF_RANGE at partition {} offset {}, which it had "
            "read up to (high watermark {})",
            name, partition, next, fetched->high_watermark));
        return true;
    }
    if (fetched->error != KafkaError::none) return true;  // e.g. unknown topic before creation
    std::span<const uint8_t> rest(fetched->records);
    while (!rest.empty()) {
        log::BatchCheck check = log::check_batch(rest);
        if (check.problem != log::BatchProblem::none) {
            shared.checker.violation(fmt::format("{} read an invalid batch ({}) at partition {}",
                                                 name, log::batch_problem_name(check.problem),
                                                 partition));
            return true;
        }
        log::RecordBatchView batch(rest.first(check.size));
        auto records = log::decode_records(batch);
        if (!records || records->empty() || !records->front().value ||
            records->front().value->size() < 8) {
            shared.checker.violation(fmt::format("{} read an undecodable batch at {}", name,
                                                 batch.base_offset()));
            return true;
        }
        uint64_t id = load_big_endian<uint64_t>(records->front().value->data());
        // A fetch starting inside a batch returns the whole batch; it starts at or before `next`.
        Offset expected = batch.base_offset() <= next && next < batch.next_offset()
                              ? batch.base_offset()
                              : next;
        shared.checker.read(name, partition, batch.base_offset(), id, expected);
        next = batch.next_offset();
        rest = rest.subspan(check.size);
    }
    return true;
}

void consumer(Environment& env, Shared& shared, const Parameters& p, const std::string& name) {
    std::unique_ptr<KafkaConnection> kafka;
    std::vector<Offset> next(static_cast<std::size_t>(p.partitions), Offset(0));
    while (true) {
        for (int i = 0; i < p.partitions; ++i) {
            KafkaConnection* c = connection(env, kafka);
            if (c == nullptr) break;
            if (!consume_once(env, shared, *c, name, PartitionId(i), next[static_cast<std::size_t>(i)])) {
                kafka.reset();
                env.clock.sleep_for(milliseconds(env.random.between(10, 100)));
                break;
            }
        }
    }
}

// Reads every partition from 0 to its end, feeding the checker's final view. May suspend.
std::optional<std::string> verify(Environment& env, Shared& shared, const Parameters& p) {
    std::unique_ptr<KafkaConnection> kafka;
    Instant give_up = env.clock.now() + seconds(30);
    for (int i = 0; i < p.partitions; ++i) {
        Offset next(0);
        while (true) {
            if (env.clock.now() > give_up) return "the verifier could not read the log";
            KafkaConnection* c = connection(env, kafka);
            if (c == nullptr) continue;
            auto end = client::list_offset(*c, std::string(kTopic), PartitionId(i), -1,
                                           env.clock.now() + seconds(5));
            if (!end || end->error != KafkaError::none) {
                kafka.reset();
                continue;
            }
            if (next >= end->offset) break;
            auto fetched = client::fetch(*c, std::string(kTopic), PartitionId(i), next,
                                         client::FetchOptions{.max_wait_ms = 0},
                                         env.clock.now() + seconds(5));
            if (!fetched || fetched->error != KafkaError::none) {
                kafka.reset();
                continue;
            }
            std::span<const uint8_t> rest(fetched->records);
            while (!rest.empty()) {
                log::BatchCheck check = log::check_batch(rest);
                if (check.problem != log::BatchProblem::none) return "verifier read an invalid batch";
                log::RecordBatchView batch(rest.first(check.size));
                auto records = log::decode_records(batch);
                if (!records || records->empty()) return "verifier read an undecodable batch";
                uint64_t id = load_big_endian<uint64_t>(records->front().value->data());
                if (batch.base_offset() != next) {
                    shared.checker.violation(fmt::format("gap: verifier expected offset {} of "
                                                         "partition {}, got {}",
                                                         next, i, batch.base_offset()));
                }
                shared.checker.final_read(PartitionId(i), batch.base_offset(), id);
                next = batch.next_offset();
                rest = rest.subspan(check.size);
            }
        }
    }
    return std::nullopt;
}

void nemesis(Simulation& sim, const Parameters& p, const bool& active) {
    Random& random = sim.random();
    std::string node(kNode);
    Instant next_crash = sim.now() + milliseconds(random.between(100, p.crash_interval_ms));
    while (active) {
        sim.scheduler().park(sim.now() + milliseconds(10));
        if (!active) return;
        if (sim.now() >= next_crash) {
            sim.crash(node);
            sim.scheduler().park(sim.now() + milliseconds(random.between(0, 300)));
            sim.restart(node);
            next_crash = sim.now() + milliseconds(random.between(100, 2 * p.crash_interval_ms));
        }
    }
}

Outcome run_broker(const RunOptions& options) {
    Shared shared;  // before the simulation: its fibers borrow it until it is destroyed
    bool faults_active = true;
    std::optional<std::string> verify_failure;
    bool verified = false;
    Simulation sim(options.seed);
    if (!options.trace_path.empty()) sim.trace().write_to(options.trace_path);
    Parameters p = Parameters::draw(sim.random());
    p.report(options);

    Outcome outcome;
    auto finish = [&](Verdict verdict, std::string failure) {
        return conclude(sim, options, outcome, verdict, std::move(failure));
    };

    std::string node(kNode);
    sim.network().options().link.latency_max = microseconds(p.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = p.reset_per_million_chunks;
    sim.add_process(node, [&](Environment& env) { node_main(env, shared, p); });
    sim::SimDiskFaults faults;
    faults.crash_tear_ppm = p.crash_tear_ppm;
    faults.crash_keep_none_ppm = p.crash_keep_none_ppm;
    faults.sync_error_ppm = p.sync_error_ppm;
    sim.disk(node).set_faults(faults);
    std::vector<std::string> producers;
    for (int i = 1; i <= p.producers; ++i) {
        std::string name = fmt::format("p{}", i);
        producers.push_back(name);
        sim.add_process(name, [&, name](Environment& env) { producer(env, shared, p, name); });
    }
    for (int i = 1; i <= p.consumers; ++i) {
        std::string name = fmt::format("c{}", i);
        sim.add_process(name, [&, name](Environment& env) { consumer(env, shared, p, name); });
    }
    sim.scheduler().spawn("nemesis", [&] { nemesis(sim, p, faults_active); });

    sim.run_for(p.fault_phase);
    // Quiet: no more faults; every producer must get something acknowledged.
    faults_active = false;
    sim.disk(node).set_faults(sim::SimDiskFaults{.crash_tear_ppm = p.crash_tear_ppm});
    sim.network().options().reset_per_million_chunks = 0;
    if (!sim.is_up(node)) sim.restart(node);
    shared.quiet = true;
    auto all_acknowledged = [&] {
        for (const std::string& name : producers) {
            if (shared.acks_when_quiet[name] == 0) return false;
        }
        return true;
    };
    for (Instant end = sim.now() + seconds(5); sim.now() < end && !all_acknowledged();) {
        sim.run_for(milliseconds(100));
    }
    for (const std::string& name : producers) {
        if (shared.acks_when_quiet[name] == 0) {
            return finish(Verdict::liveness,
                          fmt::format("{} got nothing acknowledged in 5 s after faults stopped",
                                      name));
        }
    }
    shared.producing = false;
    sim.run_for(seconds(1));
    // The last crash: unsynced writes are lost or torn; acknowledged ones must all be there.
    sim.crash(node);
    sim.restart(node);
    sim.add_process("verifier", [&](Environment& env) {
        verify_failure = verify(env, shared, p);
        verified = true;
    });
    for (Instant end = sim.now() + seconds(10); sim.now() < end && !verified;) {
        sim.run_for(milliseconds(100));
    }
    if (!verified) return finish(Verdict::liveness, "the verifier did not finish");
    if (verify_failure) return finish(Verdict::liveness, *verify_failure);
    if (std::optional<std::string> anomaly = shared.checker.check()) {
        return finish(Verdict::correctness, *anomaly);
    }
    return finish(Verdict::passed,
                  fmt::format("{} acknowledged, {} batches read, {} boots",
                              shared.checker.acknowledged_count(), shared.checker.read_count(),
                              shared.boots));
}

}  // namespace

Scenario broker_scenario() {
    return Scenario{"broker-crash",
                    "single-node broker over the wire protocol: acks=-1 producers and consumers "
                    "while the node crashes, disks lose and tear unsynced writes, syncs fail "
                    "and connections reset",
                    [](const RunOptions& options) { return run_broker(options); }};
}

}  // namespace brook::scenarios
