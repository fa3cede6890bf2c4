// Brook's group member and Consumer::subscribe against the real broker's group coordinator, in
// the simulator: members on their own hosts, each polling from its own fiber.
#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

const std::string kTopic = "events";
constexpr int kPartitions = 6;

broker::BrokerConfig group_broker_config() {
    broker::BrokerConfig config;
    REQUIRE(config.set("listeners", "PLAINTEXT://n1:9092").ok());
    REQUIRE(config.set("group.initial.rebalance.delay.ms", "100").ok());
    REQUIRE(config.set("group.min.session.timeout.ms", "1000").ok());
    REQUIRE(config.finish().ok());
    return config;
}

// One consumer in subscribe mode, polling from its own fiber until stopped.
struct Member {
    Member(Environment& env, ConsumerConfig config) : env(env), consumer(env, std::move(config)) {
        REQUIRE(consumer.subscribe({kTopic}).ok());
        consumer.group()->set_observer({
            .assigned =
                [this](const GroupGeneration& g, const std::set<TopicPartition>& owned) {
                    generations.push_back({g.generation_id, owned});
                },
            .started =
                [this](const TopicPartition& tp, Offset offset, bool committed, Instant) {
                    starts[tp] = {offset, committed};
                },
            .revoked = [this](const std::set<TopicPartition>& partitions,
                              bool) { revoked.insert(partitions.begin(), partitions.end()); },
            .committed = {},
        });
        env.scheduler.spawn("member-poll", [this] {
            while (!stop) {
                auto polled = consumer.poll(this->env.clock.now() + milliseconds(100));
                if (polled) records.insert(records.end(), polled->begin(), polled->end());
            }
            consumer.close();
            done = true;
        });
    }
    ~Member() { REQUIRE(done); }

    GroupMember& member() { return consumer.group()->member(); }
    bool settled() { return member().state() == MemberState::stable && !member().needs_rejoin(); }

    Environment& env;
    Consumer consumer;
    std::vector<std::pair<int32_t, std::set<TopicPartition>>> generations;
    std::map<TopicPartition, std::pair<Offset, bool>> starts;
    std::set<TopicPartition> revoked;
    std::vector<ConsumerRecord> records;
    bool stop = false;
    bool done = false;
};

struct GroupRig : ClientRig {
    GroupRig() : ClientRig(group_broker_config()) {
        for (std::string host : {"m1", "m2", "m3", "m4"}) {
            sim.add_process(host, [this, host](Environment& env) { hosts[host] = &env; });
        }
    }

    ConsumerConfig member_config(const std::string& client_id) const {
        ConsumerConfig config = consumer_config();
        config.cluster.client_id = client_id;
        config.group_id = "app";
        config.group.session_timeout = milliseconds(2000);
        config.group.heartbeat_interval = milliseconds(200);
        config.group.rebalance_timeout = milliseconds(3000);
        config.group.assignors = {"range"};
        config.auto_commit_interval = milliseconds(200);
        return config;
    }

    std::unique_ptr<Member> start(const std::string& host, ConsumerConfig config) {
        return std::make_unique<Member>(*hosts.at(host), std::move(config));
    }

    void stop(std::unique_ptr<Member>& member) {
        member->stop = true;
        Instant limit = deadline(seconds(20));
        while (!member->done && now() < limit) sleep(milliseconds(10));
        REQUIRE(member->done);
        member.reset();
    }

    // Waits until every member is stable in one generation and together they own each partition
    // exactly once. May suspend.
    void wait_settled(const std::vector<Member*>& members, Duration limit = seconds(30)) {
        Instant give_up = deadline(limit);
        while (now() < give_up) {
            sleep(milliseconds(50));
            bool settled = true;
            std::map<TopicPartition, int> owners;
            for (Member* m : members) {
                settled = settled && m->settled() &&
                          m->member().generation().generation_id ==
                              members.front()->member().generation().generation_id;
                for (const TopicPartition& tp : m->member().owned()) ++owners[tp];
            }
            if (!settled || owners.size() != kPartitions) continue;
            for (const auto& [tp, count] : owners) REQUIRE(count == 1);
            return;
        }
        FAIL("the group did not settle");
    }

    std::map<std::string, Environment*> hosts;
};

// `count` records spread round robin over the partitions. May suspend.
void produce(ClientRig& rig, int count) {
    Producer producer(rig.client(), rig.producer_config());
    for (int i = 0; i < count; ++i) {
        ProducerRecord record{.topic = kTopic, .partition = PartitionId(i % kPartitions)};
        record.value = bytes_of(fmt::format("v-{}", i));
        REQUIRE(producer.send(std::move(record), [](const DeliveryReport& r) { REQUIRE(r.ok()); })
                    .ok());
    }
    REQUIRE(producer.flush(rig.deadline()).ok());
    producer.close();
}

TEST_CASE("group member: three members share six partitions; one leaves and the rest take over") {
    GroupRig rig;
    rig.run([&] {
        rig.create_topic(kTopic, kPartitions);
        auto m1 = rig.start("m1", rig.member_config("m1"));
        auto m2 = rig.start("m2", rig.member_config("m2"));
        auto m3 = rig.start("m3", rig.member_config("m3"));
        rig.wait_settled({m1.get(), m2.get(), m3.get()});
        for (Member* m : {m1.get(), m2.get(), m3.get()}) CHECK(m->member().owned().size() == 2);
        int32_t before = m1->member().generation().generation_id;
        CHECK(m1->member().is_leader() + m2->member().is_leader() + m3->member().is_leader() == 1);

        produce(rig, 60);
        rig.stop(m3);  // LeaveGroup: no session timeout to wait for
        Instant left_at = rig.now();
        rig.wait_settled({m1.get(), m2.get()});
        CHECK(rig.now() - left_at < seconds(2));
        CHECK(m1->member().generation().generation_id > before);
        CHECK(m1->member().owned().size() == 3);
        // Everything produced is read by the two members or was by the one that left (its
        // positions were committed when it left, and at-least-once allows re-reads).
        Instant limit = rig.deadline(seconds(10));
        while (m1->records.size() + m2->records.size() < 30 && rig.now() < limit) {
            rig.sleep(milliseconds(50));
        }
        rig.stop(m1);
        rig.stop(m2);
    });
}

TEST_CASE("group member: a stalled member is removed after the session timeout, then rejoins") {
    GroupRig rig;
    rig.run([&] {
        rig.create_topic(kTopic, kPartitions);
        auto m1 = rig.start("m1", rig.member_config("m1"));
        auto m2 = rig.start("m2", rig.member_config("m2"));
        auto m3 = rig.start("m3", rig.member_config("m3"));
        rig.wait_settled({m1.get(), m2.get(), m3.get()});
        int32_t before = m1->member().generation().generation_id;

        rig.sim.network().partition_both("m3", "n1");  // m3's heartbeats stop arriving
        Instant stalled_at = rig.now();
        rig.wait_settled({m1.get(), m2.get()});
        Duration removed_after = rig.now() - stalled_at;
        CHECK(removed_after >= milliseconds(1500));  // not before the 2 s session timeout
        CHECK(removed_after < seconds(8));
        CHECK(m1->member().generation().generation_id > before);

        rig.sim.network().heal("m3", "n1");
        // m3 learns it was removed (UNKNOWN_MEMBER_ID or ILLEGAL_GENERATION), drops what it
        // held without committing, and joins again.
        rig.wait_settled({m1.get(), m2.get(), m3.get()});
        CHECK(m3->member().owned().size() == 2);
        rig.stop(m1);
        rig.stop(m2);
        rig.stop(m3);
    });
}

TEST_CASE(
    "group member: a static member that restarts takes its assignment back without a rebalance") {
    GroupRig rig;
    rig.run([&] {
        rig.create_topic(kTopic, kPartitions);
        auto static_config = [&](const std::string& id) {
            ConsumerConfig config = rig.member_config(id);
            config.group.group_instance_id = "instance-" + id;
            return config;
        };
        auto m1 = rig.start("m1", static_config("m1"));
        auto m2 = rig.start("m2", static_config("m2"));
        rig.wait_settled({m1.get(), m2.get()});
        std::set<TopicPartition> owned = m2->member().owned();
        int32_t generation = m1->member().generation().generation_id;
        std::size_t rounds = m1->generations.size();

        rig.stop(m2);  // a static member sends no LeaveGroup
        rig.sleep(milliseconds(500));
        CHECK(m1->member().generation().generation_id == generation);
        auto again = rig.start("m2", static_config("m2"));
        rig.wait_settled({m1.get(), again.get()});
        CHECK(again->member().owned() == owned);
        CHECK(again->member().generation().generation_id == generation);
        CHECK(m1->generations.size() == rounds);  // m1 never rebalanced
        rig.stop(m1);
        rig.stop(again);
    });
}

TEST_CASE("group member: cooperative-sticky moves only the partitions that must move") {
    GroupRig rig;
    rig.run([&] {
        rig.create_topic(kTopic, kPartitions);
        auto cooperative = [&](const std::string& id) {
            ConsumerConfig config = rig.member_config(id);
            config.group.assignors = {"cooperative-sticky"};
            return config;
        };
        auto m1 = rig.start("m1", cooperative("m1"));
        auto m2 = rig.start("m2", cooperative("m2"));
        rig.wait_settled({m1.get(), m2.get()});
        REQUIRE(m1->member().cooperative());
        std::set<TopicPartition> had1 = m1->member().owned();
        std::set<TopicPartition> had2 = m2->member().owned();
        REQUIRE(had1.size() == 3);
        m1->revoked.clear();
        m2->revoked.clear();

        auto m3 = rig.start("m3", cooperative("m3"));
        rig.wait_settled({m1.get(), m2.get(), m3.get()});
        // Each old member kept two of its three and gave up exactly the one that moved.
        for (auto [m, had] : {std::pair{m1.get(), had1}, std::pair{m2.get(), had2}}) {
            const std::set<TopicPartition>& now = m->member().owned();
            CHECK(now.size() == 2);
            CHECK(std::includes(had.begin(), had.end(), now.begin(), now.end()));
            CHECK(m->revoked.size() == 1);
            for (const TopicPartition& tp : m->revoked) CHECK(!now.contains(tp));
        }
        CHECK(m3->member().owned().size() == 2);
        rig.stop(m1);
        rig.stop(m2);
        rig.stop(m3);
    });
}

TEST_CASE("group member: committed offsets survive a broker restart and members resume there") {
    GroupRig rig;
    rig.run([&] {
        rig.create_topic(kTopic, kPartitions);
        produce(rig, 60);
        auto m1 = rig.start("m1", rig.member_config("m1"));
        Instant limit = rig.deadline(seconds(20));
        while (m1->records.size() < 60 && rig.now() < limit) rig.sleep(milliseconds(50));
        REQUIRE(m1->records.size() == 60);
        for (const auto& [tp, start] : m1->starts) CHECK(start == std::pair{Offset(0), false});
        rig.stop(m1);  // commits its positions when the partitions are revoked on close

        rig.crash_and_restart();
        produce(rig, 12);
        auto m2 = rig.start("m2", rig.member_config("m2"));
        rig.wait_settled({m2.get()});
        limit = rig.deadline(seconds(20));
        while (m2->records.size() < 12 && rig.now() < limit) rig.sleep(milliseconds(50));
        REQUIRE(m2->starts.size() == kPartitions);
        for (const auto& [tp, start] : m2->starts) {
            CHECK(start == std::pair{Offset(10), true});  // committed, then 10 per partition
        }
        CHECK(m2->records.size() == 12);  // only the new records: nothing read twice
        rig.stop(m2);
    });
}

TEST_CASE("group member: the group options by their Kafka names") {
    ConsumerConfig config;
    REQUIRE(config.set("partition.assignment.strategy", "cooperative-sticky").ok());
    CHECK(config.group.assignors == std::vector<std::string>{"cooperative-sticky"});
    REQUIRE(config.set("session.timeout.ms", "10000").ok());
    CHECK(config.group.session_timeout == milliseconds(10000));
    REQUIRE(config.set("group.instance.id", "a").ok());
    CHECK(config.group.group_instance_id == "a");
    REQUIRE(config.set("enable.auto.commit", "false").ok());
    CHECK(!config.enable_auto_commit);
    CHECK(config.set("partition.assignment.strategy", "sticky").error().code() ==
          ErrorCode::invalid_argument);
    CHECK(config.set("heartbeat.interval.ms", "soon").error().code() ==
          ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace brook::client::testing
