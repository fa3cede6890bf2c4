#include "scenarios/group_scenario.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/broker/broker.h"
#include "core/client/admin.h"
#include "core/client/consumer.h"
#include "core/client/producer.h"
#include "scenarios/broker_node.h"
#include "scenarios/group_checker.h"
#include "scenarios/run_outcome.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

constexpr std::string_view kNode = "n1";
const std::string kTopic = "events";
const Address kBroker{"n1", 9092};
// Clients' request timeouts are drawn from [500 ms, this].
constexpr int64_t kRequestTimeoutMaxMs = 2000;
const std::vector<std::string> kGroups = {"g1", "g2"};
const std::vector<std::string> kAssignors = {"range", "roundrobin", "cooperative-sticky"};
// After the faults stop: the groups must settle within this, then deliver everything within
// kDrainLimit.
constexpr Duration kStabiliseLimit = seconds(40);
constexpr Duration kDrainLimit = seconds(30);

struct Parameters {
    int partitions;
    int members_per_group;
    std::string assignor[2];
    uint32_t static_percent;
    int64_t session_timeout_ms;
    int64_t auto_commit_ms;
    int64_t initial_rebalance_delay_ms;
    uint64_t reset_per_million_chunks;
    int64_t broker_crash_interval_ms;  // 0: the broker does not crash
    int64_t churn_interval_ms;         // member crashes and stalls
    int64_t leave_interval_ms;         // members leaving on their own
    int64_t link_latency_max_us;
    Duration fault_phase;

    static Parameters draw(Random& random) {
        Parameters p;
        p.partitions = static_cast<int>(random.between(2, 6));
        p.members_per_group = static_cast<int>(random.between(2, 4));
        for (std::string& assignor : p.assignor)
            assignor = kAssignors[random.uniform(kAssignors.size())];
        p.static_percent = random.chance(1, 2) ? static_cast<uint32_t>(random.between(0, 100)) : 0;
        p.session_timeout_ms = random.between(800, 3000);
        p.auto_commit_ms = random.between(50, 500);
        p.initial_rebalance_delay_ms = random.between(0, 300);
        p.reset_per_million_chunks =
            random.chance(1, 2) ? static_cast<uint64_t>(random.between(10, 2000)) : 0;
        p.broker_crash_interval_ms = random.chance(3, 4) ? random.between(800, 4000) : 0;
        p.churn_interval_ms = random.between(200, 1500);
        p.leave_interval_ms = random.between(500, 4000);
        p.link_latency_max_us = random.between(100, 3000);
        p.fault_phase = milliseconds(random.between(3000, 6000));
        return p;
    }

    void report(const RunOptions& options) const {
        if (!options.on_parameter) return;
        auto put = [&](std::string_view name, auto value) {
            options.on_parameter(name, fmt::format("{}", value));
        };
        put("partitions", partitions);
        put("members_per_group", members_per_group);
        put("assignor_g1", assignor[0]);
        put("assignor_g2", assignor[1]);
        put("static_percent", static_percent);
        put("session_timeout_ms", session_timeout_ms);
        put("auto_commit_ms", auto_commit_ms);
        put("initial_rebalance_delay_ms", initial_rebalance_delay_ms);
        put("reset_per_million_chunks", reset_per_million_chunks);
        put("broker_crash_interval_ms", broker_crash_interval_ms);
        put("churn_interval_ms", churn_interval_ms);
        put("leave_interval_ms", leave_interval_ms);
        put("link_latency_max_us", link_latency_max_us);
        put("fault_phase_ms", to_ms(fault_phase));
    }
};

struct MemberSpec {
    std::string host;
    int group_index;
    std::optional<std::string> instance;  // static membership
};

struct Shared {
    GroupChecker checker;
    std::vector<MemberSpec> specs;
    std::map<std::string, client::Consumer*> live;  // host -> its consumer while one runs
    bool faults_active = true;
    bool producing = true;
    bool producer_closed = false;
};

broker::BrokerConfig node_config(const Parameters& p) {
    broker::BrokerConfig config;
    auto set = [&](std::string_view key, std::string value) {
        Result<void> done = config.set(key, value);
        ASSERT(done.ok(), "scenario config {}: {}", key, done.error().describe());
    };
    set("listeners", "PLAINTEXT://n1:9092");
    set("log.retention.ms", "-1");
    set("num.partitions", fmt::format("{}", p.partitions));
    set("offsets.topic.num.partitions", "3");
    set("group.initial.rebalance.delay.ms", fmt::format("{}", p.initial_rebalance_delay_ms));
    set("group.min.session.timeout.ms", "500");
    Result<void> finished = config.finish();
    ASSERT(finished.ok());
    return config;
}

// Creates the topic (until it exists) before anyone produces to it. May suspend.
void create_topic(Environment& env, const Parameters& p) {
    client::Admin admin(env,
                        drawn_cluster_config(env.random, kBroker, "admin", kRequestTimeoutMaxMs));
    while (true) {
        auto created = admin.create_topics({{.name = kTopic, .partitions = p.partitions}},
                                           env.clock.now() + seconds(2));  // May suspend.
        if (created && created->size() == 1 &&
            (created->front().ok() ||
             created->front().error == client::KafkaError::topic_already_exists)) {
            break;
        }
        env.clock.sleep_for(milliseconds(50));
    }
    admin.close();
}

void producer_main(Environment& env, Shared& shared, const Parameters& p) {
    create_topic(env, p);
    client::ProducerConfig config;
    config.cluster = drawn_cluster_config(env.random, kBroker, "producer", kRequestTimeoutMaxMs);
    config.acks = -1;
    config.linger = milliseconds(env.random.between(0, 20));
    config.retry_backoff = config.cluster.retry_backoff;
    client::Producer producer(env, config);
    uint64_t sequence = 0;
    while (shared.producing) {
        std::string text = fmt::format("r-{}", sequence++);
        client::ProducerRecord record{.topic = kTopic,
                                      .value = client::Bytes(text.begin(), text.end())};
        record.partition = PartitionId(
            static_cast<int32_t>(env.random.uniform(static_cast<uint64_t>(p.partitions))));
        auto sent =
            producer.send(std::move(record), [&shared](const client::DeliveryReport& report) {
                if (report.ok())
                    shared.checker.acknowledged({kTopic, report.partition}, report.offset);
            });  // May suspend.
        if (!sent) env.clock.sleep_for(milliseconds(50));
        env.clock.sleep_for(milliseconds(env.random.between(1, 20)));
    }
    (void)producer.flush(env.clock.now() + seconds(30));  // May suspend.
    producer.close(env.clock.now() + seconds(10));
    shared.producer_closed = true;
}

client::ConsumerConfig member_config(Random& random, const Parameters& p, const MemberSpec& spec) {
    client::ConsumerConfig config;
    config.cluster = drawn_cluster_config(random, kBroker, spec.host, kRequestTimeoutMaxMs);
    config.group_id = kGroups[spec.group_index];
    config.auto_offset_reset = client::OffsetReset::earliest;
    config.fetch_max_wait = milliseconds(random.between(10, 200));
    config.max_partition_fetch_bytes = static_cast<int32_t>(random.between(200, 20000));
    config.group.assignors = {p.assignor[spec.group_index]};
    config.group.session_timeout = milliseconds(p.session_timeout_ms);
    config.group.heartbeat_interval = milliseconds(p.session_timeout_ms / 4);
    config.group.rebalance_timeout = milliseconds(2 * p.session_timeout_ms);
    config.group.group_instance_id = spec.instance;
    config.auto_commit_interval = milliseconds(p.auto_commit_ms);
    return config;
}

// One life of a member: subscribe, poll and record, until it decides to leave (only while
// faults are on) or its node crashes. May suspend.
void member_life(Environment& env, Shared& shared, const Parameters& p, const MemberSpec& spec) {
    const std::string& group = kGroups[spec.group_index];
    client::Consumer consumer(env, member_config(env.random, p, spec));
    Result<void> subscribed = consumer.subscribe({kTopic});
    ASSERT(subscribed.ok());
    GroupChecker& checker = shared.checker;
    // What the checker is told also goes to the trace, to read a failure by.
    Logger log(env.log_sink, "member");
    consumer.group()->set_observer({
        .assigned =
            [&](const client::GroupGeneration& g, const std::set<client::TopicPartition>& owned) {
                log.info("{} generation {} member {}: {} partitions", group, g.generation_id,
                         g.member_id, owned.size());
                checker.assigned(group, spec.instance.value_or(g.member_id), g.generation_id,
                                 owned);
            },
        .started =
            [&](const client::TopicPartition& tp, Offset offset, bool committed, Instant asked_at) {
                log.info("{} starts {} at {} ({})", group, tp.to_string(), offset.value(),
                         committed ? "committed" : "reset");
                checker.started(group, spec.host, tp, offset, asked_at);
            },
        .revoked = {},
        .committed =
            [&](const client::GroupGeneration&,
                const std::map<client::TopicPartition, Offset>& offsets,
                const std::map<client::TopicPartition, client::KafkaError>& results,
                Instant sent_at) {
                for (const auto& [tp, error] : results) {
                    log.info("{} commit {} at {}: {}", group, tp.to_string(),
                             offsets.at(tp).value(), protocol::kafka_error_name(error));
                    if (error == client::KafkaError::none) {
                        checker.commit_acknowledged(group, tp, offsets.at(tp), sent_at,
                                                    env.clock.now());
                    }
                }
            },
    });
    struct Live {
        Shared& shared;
        const std::string& host;
        ~Live() { shared.live.erase(host); }  // also when a crash unwinds this fiber
    } live{shared, spec.host};
    shared.live[spec.host] = &consumer;
    Instant leave_at =
        env.clock.now() + milliseconds(env.random.between(200, 2 * p.leave_interval_ms));
    while (!(shared.faults_active && env.clock.now() >= leave_at)) {
        auto polled = consumer.poll(env.clock.now() + milliseconds(100));  // May suspend.
        if (!polled) {
            // Fatal for this life (FENCED_INSTANCE_ID): start a new one.
            if (consumer.group()->member().state() == client::MemberState::fatal) break;
            continue;
        }
        for (const client::ConsumerRecord& record : *polled) {
            checker.delivered(group, {record.topic, record.partition}, record.offset);
        }
    }
    consumer.close();  // May suspend: commits, then LeaveGroup (dynamic members)
}

void member_main(Environment& env, Shared& shared, const Parameters& p, std::size_t index) {
    while (true) {
        member_life(env, shared, p, shared.specs[index]);                 // May suspend.
        env.clock.sleep_for(milliseconds(env.random.between(100, 800)));  // May suspend.
    }
}

// Broker crashes, member crashes and member stalls (a partition from the broker longer than
// the session timeout), until `active` turns false; then it heals and restarts everything.
void nemesis(Simulation& sim, const Parameters& p, const Shared& shared, const bool& active) {
    Random& random = sim.random();
    std::string node(kNode);
    Instant next_crash =
        p.broker_crash_interval_ms > 0
            ? sim.now() + milliseconds(random.between(300, p.broker_crash_interval_ms))
            : kNever;
    Instant next_churn = sim.now() + milliseconds(random.between(100, p.churn_interval_ms));
    std::vector<std::pair<Instant, std::string>> restarts;  // crashed member hosts
    std::vector<std::pair<Instant, std::string>> heals;     // stalled member hosts
    auto due = [&](std::vector<std::pair<Instant, std::string>>& items, bool all, auto&& act) {
        std::erase_if(items, [&](const auto& item) {
            if (!all && item.first > sim.now()) return false;
            act(item.second);
            return true;
        });
    };
    auto busy = [&](const std::string& host) {
        for (const auto& item : restarts)
            if (item.second == host) return true;
        for (const auto& item : heals)
            if (item.second == host) return true;
        return false;
    };
    while (active) {
        sim.scheduler().park(sim.now() + milliseconds(10));
        if (!active) break;
        if (sim.now() >= next_crash) {
            sim.crash(node);
            sim.scheduler().park(sim.now() + milliseconds(random.between(0, 300)));
            sim.restart(node);
            next_crash =
                sim.now() + milliseconds(random.between(300, 2 * p.broker_crash_interval_ms));
        }
        due(restarts, false, [&](const std::string& host) { sim.restart(host); });
        due(heals, false, [&](const std::string& host) { sim.network().heal(host, node); });
        if (sim.now() >= next_churn) {
            const std::string& host = shared.specs[random.uniform(shared.specs.size())].host;
            if (!busy(host)) {
                if (random.chance(1, 2)) {
                    sim.crash(host);
                    restarts.push_back({sim.now() + milliseconds(random.between(50, 1500)), host});
                } else {
                    sim.network().partition_both(host, node);
                    heals.push_back({sim.now() + milliseconds(p.session_timeout_ms +
                                                              random.between(-300, 1500)),
                                     host});
                }
            }
            next_churn = sim.now() + milliseconds(random.between(100, p.churn_interval_ms));
        }
    }
    due(restarts, true, [&](const std::string& host) { sim.restart(host); });
    due(heals, true, [&](const std::string& host) { sim.network().heal(host, node); });
}

// nullopt when every member of the group runs, is stable in one generation, and together
// they own each partition once; else what is not so yet.
std::optional<std::string> unsettled(const Shared& shared, const Parameters& p, int group_index) {
    std::optional<int32_t> generation;
    std::map<client::TopicPartition, int> owners;
    for (const MemberSpec& spec : shared.specs) {
        if (spec.group_index != group_index) continue;
        auto live = shared.live.find(spec.host);
        if (live == shared.live.end()) return spec.host + " is not running";
        client::GroupMember& member = live->second->group()->member();
        if (member.state() != client::MemberState::stable || member.needs_rejoin()) {
            return fmt::format("{} is {}{}", spec.host, client::member_state_name(member.state()),
                               member.needs_rejoin() ? " (rejoin needed)" : "");
        }
        int32_t its = member.generation().generation_id;
        if (generation && *generation != its) {
            return fmt::format("generations {} and {} at once", *generation, its);
        }
        generation = its;
        for (const client::TopicPartition& tp : member.owned()) ++owners[tp];
    }
    if (static_cast<int>(owners.size()) != p.partitions) {
        return fmt::format("{} of {} partitions owned", owners.size(), p.partitions);
    }
    for (const auto& [tp, count] : owners) {
        if (count != 1) return fmt::format("{} has {} owners", tp.to_string(), count);
    }
    return std::nullopt;
}

Outcome run_group_churn(const RunOptions& options) {
    Shared shared;  // before the simulation: its fibers borrow it until it is destroyed
    bool faults_active = true;
    Simulation sim(options.seed);
    if (!options.trace_path.empty()) sim.trace().write_to(options.trace_path);
    sim.trace().keep_lines(options.keep_trace_lines);
    Parameters p = Parameters::draw(sim.random());
    p.report(options);

    Outcome outcome;
    auto finish = [&](Verdict verdict, std::string failure) {
        return conclude(sim, options, outcome, verdict, std::move(failure));
    };

    std::string node(kNode);
    sim.network().options().link.latency_max = microseconds(p.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = p.reset_per_million_chunks;
    sim.add_process(node,
                    [&](Environment& env) { serve_for_ever(env, [&] { return node_config(p); }); });
    sim.add_process("producer", [&](Environment& env) { producer_main(env, shared, p); });
    for (int g = 0; g < 2; ++g) {
        for (int m = 1; m <= p.members_per_group; ++m) {
            MemberSpec spec{fmt::format("{}-m{}", kGroups[g], m), g, std::nullopt};
            if (sim.random().uniform(100) < p.static_percent) spec.instance = spec.host;
            shared.specs.push_back(spec);
        }
    }
    for (std::size_t i = 0; i < shared.specs.size(); ++i) {
        sim.add_process(shared.specs[i].host,
                        [&, i](Environment& env) { member_main(env, shared, p, i); });
    }
    sim.scheduler().spawn("nemesis", [&] { nemesis(sim, p, shared, faults_active); });

    sim.run_for(p.fault_phase);
    faults_active = false;
    shared.faults_active = false;
    sim.run_for(milliseconds(20));  // the nemesis heals and restarts what it broke, and ends
    sim.network().options().reset_per_million_chunks = 0;
    sim.network().heal_all();
    if (!sim.is_up(node)) sim.restart(node);
    shared.producing = false;
    Instant quiet_at = sim.now();
    for (Instant end = sim.now() + seconds(30); sim.now() < end && !shared.producer_closed;) {
        sim.run_for(milliseconds(100));
    }
    if (!shared.producer_closed)
        return finish(Verdict::liveness, "the producer did not flush in 30 s");

    std::optional<std::string> waiting;
    for (Instant end = quiet_at + kStabiliseLimit; sim.now() < end;
         sim.run_for(milliseconds(100))) {
        waiting.reset();
        for (int g = 0; g < 2 && !waiting; ++g) {
            if (auto why = unsettled(shared, p, g)) waiting = kGroups[g] + ": " + *why;
        }
        if (!waiting) break;
    }
    if (waiting) {
        return finish(Verdict::liveness, fmt::format("not stable {} s after the faults stopped: {}",
                                                     to_ms(kStabiliseLimit) / 1000, *waiting));
    }
    Duration settled_after = sim.now() - quiet_at;
    for (Instant end = sim.now() + kDrainLimit; sim.now() < end; sim.run_for(milliseconds(100))) {
        if (shared.checker.undelivered(kGroups[0], 1).empty() &&
            shared.checker.undelivered(kGroups[1], 1).empty()) {
            break;
        }
    }
    if (std::optional<std::string> anomaly = shared.checker.check(kGroups)) {
        return finish(Verdict::correctness, *anomaly);
    }
    return finish(
        Verdict::passed,
        fmt::format("{} acknowledged, {} generations, {} commits, {} starts, stable {} ms "
                    "after the faults",
                    shared.checker.acknowledged_count(), shared.checker.generation_count(),
                    shared.checker.commit_count(), shared.checker.start_count(),
                    to_ms(settled_after)));
}

}  // namespace

Scenario group_churn_scenario() {
    return Scenario{"group-churn",
                    "two consumer groups under member joins, leaves, crashes and stalls, broker "
                    "crashes and connection resets: one owner per partition per generation, "
                    "commits monotonic and honoured, every acknowledged record to each group, "
                    "stable after the faults",
                    [](const RunOptions& options) { return run_group_churn(options); }};
}

}  // namespace brook::scenarios
