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
#include "scenarios/cluster_run.h"
#include "scenarios/fault_actions.h"
#include "scenarios/group_checker.h"
#include "sim/simulation.h"

namespace brook::scenarios {
namespace {

using sim::Simulation;

const std::string kTopic = "events";
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
    std::vector<Address> bootstrap;
    std::vector<MemberSpec> specs;
    std::map<std::string, client::Consumer*> live;  // host -> its consumer while one runs
    bool faults_active = true;
    bool producing = true;
    bool producer_closed = false;
};

broker::BrokerConfig node_config(const Parameters& p, int index) {
    return cluster_broker_config(index, {{"log.retention.ms", "-1"},
                                         {"num.partitions", fmt::format("{}", p.partitions)},
                                         {"offsets.topic.num.partitions", "3"},
                                         {"group.initial.rebalance.delay.ms",
                                          fmt::format("{}", p.initial_rebalance_delay_ms)},
                                         {"group.min.session.timeout.ms", "500"}});
}

// Creates the topic (until it exists) before anyone produces to it. May suspend.
void create_topic(Environment& env, const Shared& shared, const Parameters& p) {
    client::Admin admin(
        env, drawn_cluster_config(env.random, shared.bootstrap, "admin", kRequestTimeoutMaxMs));
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
    create_topic(env, shared, p);
    client::ProducerConfig config;
    config.cluster =
        drawn_cluster_config(env.random, shared.bootstrap, "producer", kRequestTimeoutMaxMs);
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

client::ConsumerConfig member_config(Random& random, const Shared& shared, const Parameters& p,
                                     const MemberSpec& spec) {
    client::ConsumerConfig config;
    config.cluster =
        drawn_cluster_config(random, shared.bootstrap, spec.host, kRequestTimeoutMaxMs);
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
    client::Consumer consumer(env, member_config(env.random, shared, p, spec));
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

// The members, two groups of p.members_per_group, some static.
std::vector<MemberSpec> draw_members(Random& random, const Parameters& p) {
    std::vector<MemberSpec> specs;
    for (int g = 0; g < 2; ++g) {
        for (int m = 1; m <= p.members_per_group; ++m) {
            MemberSpec spec{fmt::format("{}-m{}", kGroups[g], m), g, std::nullopt};
            if (random.uniform(100) < p.static_percent) spec.instance = spec.host;
            specs.push_back(spec);
        }
    }
    return specs;
}

// The cluster: the producer (which also creates the topic) and the members, who may crash.
ClusterShape cluster_shape(const std::vector<MemberSpec>& specs) {
    ClusterShape shape;
    shape.clients.push_back("producer");
    for (const MemberSpec& spec : specs) {
        shape.clients.push_back(spec.host);
        shape.restartable.push_back(spec.host);
    }
    return shape;
}

// Broker crashes; member crashes and member stalls (a partition from every broker longer than
// the session timeout), one at a time per member.
sim::FaultSchedule draw_schedule(Random& random, const Parameters& p, const ClusterShape& shape,
                                 const std::vector<MemberSpec>& specs) {
    sim::FaultSchedule schedule;
    if (p.broker_crash_interval_ms > 0) {
        draw_broker_crashes(schedule, random, shape, p.fault_phase, p.broker_crash_interval_ms,
                            300);
    }
    std::map<std::string, Duration> busy_until;  // a member's crash or stall ends
    for (Duration t = milliseconds(random.between(100, p.churn_interval_ms)); t < p.fault_phase;
         t += milliseconds(random.between(100, p.churn_interval_ms))) {
        const std::string& host = specs[random.uniform(specs.size())].host;
        if (busy_until[host] > t) continue;
        if (random.chance(1, 2)) {
            busy_until[host] = t + milliseconds(random.between(50, 1500));
            schedule.add(t, "crash", {host});
            schedule.add(busy_until[host], "restart", {host});
        } else {
            busy_until[host] = t + milliseconds(p.session_timeout_ms + random.between(-300, 1500));
            for (const std::string& broker : shape.broker_names()) {
                schedule.add(t, "partition", {host, broker});
                schedule.add(busy_until[host], "heal", {host, broker});
            }
        }
    }
    return schedule;
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
    ClusterRun run(options);
    Simulation& sim = run.sim();
    Parameters p = Parameters::draw(run.random());
    p.report(options);
    shared.specs = draw_members(run.random(), p);
    ClusterShape shape = cluster_shape(shared.specs);
    sim::FaultSchedule drawn = draw_schedule(run.random(), p, shape, shared.specs);
    if (std::optional<std::string> bad = run.plan(shape, drawn)) {
        return run.finish(Verdict::invalid, *bad);
    }

    shared.bootstrap = run.shape().bootstrap();
    sim.network().options().link.latency_max = microseconds(p.link_latency_max_us);
    sim.network().options().reset_per_million_chunks = p.reset_per_million_chunks;
    run.add_brokers([&p](int index) { return node_config(p, index); });
    sim.add_process("producer", [&](Environment& env) { producer_main(env, shared, p); });
    for (std::size_t i = 0; i < shared.specs.size(); ++i) {
        sim.add_process(shared.specs[i].host,
                        [&, i](Environment& env) { member_main(env, shared, p, i); });
    }

    run.run_fault_phase(p.fault_phase);
    shared.faults_active = false;
    run.calm(sim::SimDiskFaults{});
    shared.producing = false;
    Instant quiet_at = sim.now();
    if (!run.run_until(seconds(30), [&] { return shared.producer_closed; })) {
        return run.finish(Verdict::liveness, "the producer did not flush in 30 s");
    }

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
        return run.finish(Verdict::liveness,
                          fmt::format("not stable {} s after the faults stopped: {}",
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
        return run.finish(Verdict::correctness, *anomaly);
    }
    return run.finish(
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
