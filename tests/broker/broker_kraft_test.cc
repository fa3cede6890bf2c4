// The broker in KRaft mode: it follows the cluster views the metadata log hands it (topics,
// partitions and their leaders, the brokers, the controller) and forwards what changes metadata
// to the controller (a FakeController here).
#include <catch2/catch.hpp>

#include <set>

#include "core/cluster/meta_properties.h"
#include "core/cluster/partition_metadata.h"
#include "core/group/offsets_records.h"
#include "tests/broker/broker_rig.h"
#include "tests/broker/fake_controller.h"

namespace brook::broker::testing {
namespace {

using protocol::KafkaError;

const protocol::MetadataResponse::MetadataResponsePartition& partition_of(
    const protocol::MetadataResponse& response, const std::string& topic, int32_t index) {
    for (const auto& t : response.topics) {
        if (t.name != topic) continue;
        for (const auto& p : t.partitions) {
            if (p.partition_index == index) return p;
        }
    }
    FAIL("partition " << topic << "-" << index << " missing from metadata");
    return response.topics.front().partitions.front();
}

// orders-0 led here (epoch 3), orders-1 led by 2 (epoch 5), orders-2 on fenced 3 without a leader.
cluster::ClusterView orders_view(int64_t offset, bool caught_up = true) {
    cluster::ClusterView view =
        cluster_view(offset, {topic_info("orders", 1,
                                         {placed(0, {1, 2}, 1, 3, {1, 2}), placed(1, {2, 3}, 2, 5),
                                          placed(2, {3}, -1, 2, {3})})},
                     caught_up);
    view.brokers[2].fenced = true;
    return view;
}

Result<protocol::FetchResponse> fetch_at_epoch(client::KafkaConnection& kafka,
                                               const std::string& topic, int32_t partition,
                                               int32_t current_leader_epoch, Instant deadline) {
    protocol::FetchRequest request;
    request.max_wait_ms = 0;
    request.max_bytes = 1 << 20;
    auto& t = request.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.partition = partition;
    p.fetch_offset = 0;
    p.partition_max_bytes = 1 << 20;
    p.current_leader_epoch = current_leader_epoch;
    return kafka.call<protocol::FetchResponse>(request, 11, deadline);
}

TEST_CASE("broker kraft: metadata shows the view's live brokers, leaders, epochs and controller") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        auto kafka = rig.connect();
        auto response = client::metadata(*kafka, std::nullopt, rig.deadline(), 9);
        REQUIRE(response.ok());
        // Broker 3 is fenced: left out. The others at their PLAINTEXT endpoints.
        REQUIRE(response->brokers.size() == 2);
        REQUIRE(response->brokers[0].node_id == 1);
        REQUIRE(response->brokers[1].node_id == 2);
        REQUIRE(response->brokers[1].host == "n2");
        REQUIRE(response->brokers[1].port == 9092);
        REQUIRE(response->controller_id == 2);
        REQUIRE(response->cluster_id == std::string(BrokerRig::kClusterId));

        const auto& led = partition_of(*response, "orders", 0);
        REQUIRE(led.error_code == 0);
        REQUIRE(led.leader_id == 1);
        REQUIRE(led.leader_epoch == 3);
        REQUIRE(led.replica_nodes == std::vector<int32_t>{1, 2});
        REQUIRE(led.isr_nodes == std::vector<int32_t>{1, 2});
        REQUIRE(led.offline_replicas.empty());
        const auto& elsewhere = partition_of(*response, "orders", 1);
        REQUIRE(elsewhere.leader_id == 2);
        REQUIRE(elsewhere.leader_epoch == 5);
        REQUIRE(elsewhere.offline_replicas == std::vector<int32_t>{3});
        const auto& offline = partition_of(*response, "orders", 2);
        REQUIRE(offline.error_code == to_wire(KafkaError::leader_not_available));
        REQUIRE(offline.leader_id == -1);
        REQUIRE(offline.leader_epoch == 2);
        REQUIRE(offline.offline_replicas == std::vector<int32_t>{3});

        // The controller is no broker: clients are told the lowest live broker.
        cluster::ClusterView next = orders_view(11);
        next.controller = NodeId(9);
        REQUIRE(rig.broker->apply_cluster_view(next).ok());
        auto again = client::metadata(*kafka, std::nullopt, rig.deadline(), 9);
        REQUIRE(again->controller_id == 1);
    });
}

TEST_CASE("broker kraft: a leader on another listener only is LISTENER_NOT_FOUND from v6") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        cluster::ClusterView view = orders_view(10);
        view.brokers[1].endpoints.erase(view.brokers[1].endpoints.begin());  // 2: INTERNAL only
        REQUIRE(rig.broker->apply_cluster_view(view).ok());
        auto kafka = rig.connect();
        auto v9 = client::metadata(*kafka, std::vector<std::string>{"orders"}, rig.deadline(), 9);
        REQUIRE(v9->brokers.size() == 1);
        REQUIRE(partition_of(*v9, "orders", 1).error_code ==
                to_wire(KafkaError::listener_not_found));
        REQUIRE(partition_of(*v9, "orders", 1).leader_id == -1);
        auto v5 = client::metadata(*kafka, std::vector<std::string>{"orders"}, rig.deadline(), 5);
        REQUIRE(partition_of(*v5, "orders", 1).error_code ==
                to_wire(KafkaError::leader_not_available));
    });
}

TEST_CASE("broker kraft: produce and fetch are served only where this node leads") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        auto kafka = rig.connect();
        auto batch = text_batch("a", 3);
        auto led = client::produce(*kafka, "orders", PartitionId(0), batch, -1, rig.deadline());
        REQUIRE(led->error == KafkaError::none);
        REQUIRE(led->base_offset == Offset(0));
        for (int32_t other : {1, 2}) {
            auto produced =
                client::produce(*kafka, "orders", PartitionId(other), batch, -1, rig.deadline());
            REQUIRE(produced->error == KafkaError::not_leader_or_follower);
            auto fetched = client::fetch(*kafka, "orders", PartitionId(other), Offset(0), {},
                                         rig.deadline());
            REQUIRE(fetched->error == KafkaError::not_leader_or_follower);
            auto listed = client::list_offset(*kafka, "orders", PartitionId(other), -1,
                                              rig.deadline());
            REQUIRE(listed->error == KafkaError::not_leader_or_follower);
        }
        auto unknown = client::produce(*kafka, "nope", PartitionId(0), batch, -1, rig.deadline());
        REQUIRE(unknown->error == KafkaError::unknown_topic_or_partition);
        auto beyond = client::fetch(*kafka, "orders", PartitionId(3), Offset(0), {}, rig.deadline());
        REQUIRE(beyond->error == KafkaError::unknown_topic_or_partition);

        // The leadership moves to broker 2: this node answers NOT_LEADER_OR_FOLLOWER.
        cluster::ClusterView moved = orders_view(11);
        moved.topics.at("orders").partitions[0] = placed(0, {1, 2}, 2, 4, {1, 2});
        REQUIRE(rig.broker->apply_cluster_view(moved).ok());
        auto after = client::produce(*kafka, "orders", PartitionId(0), batch, -1, rig.deadline());
        REQUIRE(after->error == KafkaError::not_leader_or_follower);
        REQUIRE(rig.broker->topics().partition("orders", PartitionId(0))->log() != nullptr);
    });
}

TEST_CASE("broker kraft: a client's leader epoch older is fenced, newer is unknown") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        auto kafka = rig.connect();
        auto error_at = [&](int32_t epoch) {
            auto response = fetch_at_epoch(*kafka, "orders", 0, epoch, rig.deadline());
            REQUIRE(response.ok());
            return protocol::kafka_error_from_wire(
                response->responses[0].partitions[0].error_code);
        };
        REQUIRE(error_at(2) == KafkaError::fenced_leader_epoch);
        REQUIRE(error_at(4) == KafkaError::unknown_leader_epoch);
        REQUIRE(error_at(3) == KafkaError::none);
        REQUIRE(error_at(-1) == KafkaError::none);
        // Partition 1 is not hosted here: not the leader, whatever the epoch.
        auto other = fetch_at_epoch(*kafka, "orders", 1, 1, rig.deadline());
        REQUIRE(other->responses[0].partitions[0].error_code ==
                to_wire(KafkaError::not_leader_or_follower));
    });
}

// OffsetForLeaderEpoch for one partition; the response's only partition.
protocol::OffsetForLeaderEpochResponse::EpochEndOffset epoch_end(
    client::KafkaConnection& kafka, const std::string& topic, int32_t partition,
    int32_t current_leader_epoch, int32_t leader_epoch, Instant deadline, int16_t version = 3,
    int32_t replica_id = -1) {
    protocol::OffsetForLeaderEpochRequest request;
    request.replica_id = replica_id;
    auto& t = request.topics.emplace_back();
    t.topic = topic;
    auto& p = t.partitions.emplace_back();
    p.partition = partition;
    p.current_leader_epoch = current_leader_epoch;
    p.leader_epoch = leader_epoch;
    auto response = kafka.call<protocol::OffsetForLeaderEpochResponse>(request, version, deadline);
    REQUIRE(response.ok());
    REQUIRE(response->topics.size() == 1);
    REQUIRE(response->topics[0].partitions.size() == 1);
    return response->topics[0].partitions[0];
}

protocol::ListOffsetsResponse::ListOffsetsPartitionResponse list_at_epoch(
    client::KafkaConnection& kafka, int32_t partition, int64_t timestamp,
    int32_t current_leader_epoch, Instant deadline) {
    protocol::ListOffsetsRequest request;
    request.replica_id = -1;
    auto& t = request.topics.emplace_back();
    t.name = "orders";
    auto& p = t.partitions.emplace_back();
    p.partition_index = partition;
    p.timestamp = timestamp;
    p.current_leader_epoch = current_leader_epoch;
    auto response = kafka.call<protocol::ListOffsetsResponse>(request, 4, deadline);
    REQUIRE(response.ok());
    return response->topics.at(0).partitions.at(0);
}

void produce_to_orders_0(BrokerRig& rig, client::KafkaConnection& kafka, const std::string& prefix,
                         int count) {
    auto produced = client::produce(kafka, "orders", PartitionId(0), text_batch(prefix, count), -1,
                                    rig.deadline());
    REQUIRE(produced.ok());
    REQUIRE(produced->error == KafkaError::none);
}

// orders-0 stays led here, in leader epoch 6 (from 3).
void new_epoch_for_orders_0(BrokerRig& rig) {
    cluster::ClusterView next = orders_view(11);
    next.topics.at("orders").partitions[0] = placed(0, {1, 2}, 1, 6, {1, 2});
    REQUIRE(rig.broker->apply_cluster_view(next).ok());
}

TEST_CASE("broker kraft: OffsetForLeaderEpoch answers from the leader's epoch cache") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        auto kafka = rig.connect();
        produce_to_orders_0(rig, *kafka, "a", 3);
        for (int16_t version : {2, 3}) {
            // orders-0 is led here in epoch 3, which wrote offsets 0-2.
            auto current = epoch_end(*kafka, "orders", 0, 3, 3, rig.deadline(), version);
            REQUIRE(current.error_code == 0);
            REQUIRE(current.leader_epoch == 3);
            REQUIRE(current.end_offset == 3);
            // An epoch before the first the log has: it ends where the first starts (Kafka).
            auto older = epoch_end(*kafka, "orders", 0, -1, 1, rig.deadline(), version);
            REQUIRE(older.leader_epoch == 1);
            REQUIRE(older.end_offset == 0);
            // Above the leader's epoch: undefined.
            auto newer = epoch_end(*kafka, "orders", 0, -1, 4, rig.deadline(), version);
            REQUIRE(newer.error_code == 0);
            REQUIRE(newer.leader_epoch == -1);
            REQUIRE(newer.end_offset == -1);
            // The epoch checks, and partitions not led here.
            REQUIRE(epoch_end(*kafka, "orders", 0, 2, 3, rig.deadline(), version).error_code ==
                    to_wire(KafkaError::fenced_leader_epoch));
            REQUIRE(epoch_end(*kafka, "orders", 0, 4, 3, rig.deadline(), version).error_code ==
                    to_wire(KafkaError::unknown_leader_epoch));
            REQUIRE(epoch_end(*kafka, "orders", 1, 5, 5, rig.deadline(), version).error_code ==
                    to_wire(KafkaError::not_leader_or_follower));
            REQUIRE(epoch_end(*kafka, "orders", 2, -1, 2, rig.deadline(), version).error_code ==
                    to_wire(KafkaError::not_leader_or_follower));
            REQUIRE(epoch_end(*kafka, "nope", 0, -1, 0, rig.deadline(), version).error_code ==
                    to_wire(KafkaError::unknown_topic_or_partition));
        }
        // A follower's request (v3, its replica id) is answered by the leader too.
        auto follower = epoch_end(*kafka, "orders", 0, 3, 3, rig.deadline(), 3, 2);
        REQUIRE(follower.error_code == 0);
        REQUIRE(follower.end_offset == 3);

        // A new leader epoch here that has written nothing yet: the old epoch ends at the log end.
        new_epoch_for_orders_0(rig);
        auto moved = epoch_end(*kafka, "orders", 0, 6, 5, rig.deadline());
        REQUIRE(moved.leader_epoch == 3);
        REQUIRE(moved.end_offset == 3);
        produce_to_orders_0(rig, *kafka, "b", 2);
        auto after = epoch_end(*kafka, "orders", 0, 6, 3, rig.deadline());
        REQUIRE(after.leader_epoch == 3);
        REQUIRE(after.end_offset == 3);
        REQUIRE(epoch_end(*kafka, "orders", 0, 6, 6, rig.deadline()).end_offset == 5);
    });
}

TEST_CASE("broker kraft: ListOffsets v4 checks the leader epoch and reports the offset's") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        auto kafka = rig.connect();
        produce_to_orders_0(rig, *kafka, "a", 3);
        new_epoch_for_orders_0(rig);
        produce_to_orders_0(rig, *kafka, "b", 2);
        // Earliest: offset 0, written in epoch 3; latest: the partition's epoch.
        auto earliest = list_at_epoch(*kafka, 0, -2, 6, rig.deadline());
        REQUIRE(earliest.error_code == 0);
        REQUIRE(earliest.offset == 0);
        REQUIRE(earliest.leader_epoch == 3);
        auto latest = list_at_epoch(*kafka, 0, -1, -1, rig.deadline());
        REQUIRE(latest.offset == 5);
        REQUIRE(latest.leader_epoch == 6);
        REQUIRE(list_at_epoch(*kafka, 0, -1, 5, rig.deadline()).error_code ==
                to_wire(KafkaError::fenced_leader_epoch));
        REQUIRE(list_at_epoch(*kafka, 0, -1, 7, rig.deadline()).error_code ==
                to_wire(KafkaError::unknown_leader_epoch));
        REQUIRE(list_at_epoch(*kafka, 1, -1, 5, rig.deadline()).error_code ==
                to_wire(KafkaError::not_leader_or_follower));
    });
}

TEST_CASE("broker kraft: logs open once caught up; a gone topic's directories go only then") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        // Not caught up: the table follows the view, but nothing is opened.
        REQUIRE(rig.broker->apply_cluster_view(orders_view(5, false)).ok());
        REQUIRE(rig.broker->topics().partition("orders", PartitionId(0))->log() == nullptr);
        REQUIRE_FALSE(rig.exists_on_disk("orders-0"));
        REQUIRE(rig.broker->apply_cluster_view(orders_view(10)).ok());
        REQUIRE(rig.broker->topics().partition("orders", PartitionId(0))->log() != nullptr);
        REQUIRE(rig.exists_on_disk("orders-0/partition.metadata"));
        REQUIRE_FALSE(rig.exists_on_disk("orders-1"));  // broker 2's and 3's

        // A restart: views start over, not caught up, and the first lacks the topic.
        rig.crash_and_restart();
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(3, {}, false)).ok());
        REQUIRE(rig.exists_on_disk("orders-0"));
        // Caught up and the topic is still gone: deleted while this node was down.
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(12, {})).ok());
        REQUIRE_FALSE(rig.exists_on_disk("orders-0"));

        // While caught up, a topic that leaves the view is removed at once.
        REQUIRE(rig.broker->apply_cluster_view(orders_view(13)).ok());
        REQUIRE(rig.exists_on_disk("orders-0"));
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(14, {})).ok());
        REQUIRE_FALSE(rig.exists_on_disk("orders-0"));
        REQUIRE(rig.broker->topics().find("orders") == nullptr);
    });
}

TEST_CASE("broker kraft: a view's topics appear together, however long their logs take to open") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        // Both topics are hosted here, so applying the view opens logs, which suspends on the
        // disk: a request answered meanwhile must see the view's topics all or none.
        cluster::ClusterView view = cluster_view(10, {topic_info("a", 1, {placed(0, {1}, 1, 0)}),
                                                      topic_info("b", 2, {placed(0, {1}, 1, 0)})});
        bool applied = false;
        std::set<std::size_t> counts_seen;
        rig.sim.scheduler().spawn_in_group(brook::testing::FiberRunner::kGroup, "watcher", [&] {
            while (!applied) {
                counts_seen.insert(rig.broker->topics().topic_count());
                rig.sleep(microseconds(50));  // simulated disk operations take 0.1 ms and more
            }
        });
        REQUIRE(rig.broker->apply_cluster_view(view).ok());
        applied = true;
        REQUIRE(rig.broker->topics().partition("b", PartitionId(0))->log() != nullptr);
        REQUIRE(counts_seen.count(1) == 0);
        REQUIRE(counts_seen.count(2) == 1);  // the watcher ran while the logs were opening
    });
}

TEST_CASE("broker kraft: a topic re-created under its name starts empty") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        auto kafka = rig.connect();
        auto single = [&](int64_t offset, uint8_t id) {
            return cluster_view(offset, {topic_info("t", id, {placed(0, {1}, 1, 0)})});
        };
        REQUIRE(rig.broker->apply_cluster_view(single(10, 1)).ok());
        auto produced =
            client::produce(*kafka, "t", PartitionId(0), text_batch("old", 3), -1, rig.deadline());
        REQUIRE(produced->base_offset == Offset(0));
        REQUIRE(rig.broker->apply_cluster_view(single(20, 2)).ok());
        auto fetched = client::fetch(*kafka, "t", PartitionId(0), Offset(0), {.max_wait_ms = 0},
                                     rig.deadline());
        REQUIRE(fetched->error == KafkaError::none);
        REQUIRE(fetched->high_watermark == 0);
        REQUIRE(fetched->records.empty());

        // After a restart the directory names the new id; a view naming another id for the
        // topic never opens it as that topic's, but removes it and starts empty.
        rig.crash_and_restart();
        auto id = cluster::read_partition_topic_id(rig.sim.disk("n1"), "t-0");
        REQUIRE(id.ok());
        REQUIRE(**id == cluster::uuid_text(topic_id(2)));
        REQUIRE(rig.broker->apply_cluster_view(single(30, 1)).ok());
        REQUIRE(**cluster::read_partition_topic_id(rig.sim.disk("n1"), "t-0") ==
                cluster::uuid_text(topic_id(1)));
        auto kafka2 = rig.connect();
        auto old = client::fetch(*kafka2, "t", PartitionId(0), Offset(0), {.max_wait_ms = 0},
                                 rig.deadline());
        REQUIRE(old->high_watermark == 0);
    });
}

TEST_CASE("broker kraft: topic administration goes to the controller") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(1, {})).ok());
        auto kafka = rig.connect();
        auto created = client::create_topic(*kafka, "fresh", 6, {{"retention.ms", "1000"}},
                                            rig.deadline());
        REQUIRE(*created == KafkaError::none);
        auto forwarded = controller.forwarded<protocol::CreateTopicsRequest>();
        REQUIRE(forwarded.size() == 1);
        REQUIRE(forwarded[0].topics[0].name == "fresh");
        REQUIRE(forwarded[0].topics[0].num_partitions == 6);
        REQUIRE(forwarded[0].topics[0].configs[0].name == "retention.ms");
        REQUIRE(controller.log.back().version == 4);
        REQUIRE(rig.broker->topics().find("fresh") == nullptr);  // until a view names it

        // The controller's refusal is the client's answer; no controller: REQUEST_TIMED_OUT.
        controller.answer = [](const protocol::AnyRequest& request, int16_t) {
            protocol::CreateTopicsResponse response;
            auto& out = response.topics.emplace_back();
            out.name = std::get<protocol::CreateTopicsRequest>(request).topics[0].name;
            out.error_code = to_wire(KafkaError::topic_already_exists);
            out.error_message = "exists";
            return Result<protocol::AnyResponse>(protocol::AnyResponse(response));
        };
        REQUIRE(*client::create_topic(*kafka, "fresh", 6, {}, rig.deadline()) ==
                KafkaError::topic_already_exists);
        controller.answer = nullptr;
        REQUIRE(client::create_topic(*kafka, "x", 1, {}, rig.deadline()).ok());
        controller.answer = [](const protocol::AnyRequest&, int16_t) {
            return Result<protocol::AnyResponse>(Error(ErrorCode::timeout, "no quorum"));
        };
        REQUIRE(*client::create_topic(*kafka, "late", 1, {}, rig.deadline()) ==
                KafkaError::request_timed_out);
        controller.answer = [](const protocol::AnyRequest&, int16_t) {
            return Result<protocol::AnyResponse>(Error(ErrorCode::disconnected, "gone"));
        };
        REQUIRE(*client::create_topic(*kafka, "late", 1, {}, rig.deadline()) ==
                KafkaError::not_controller);
    });
}

TEST_CASE("broker kraft: metadata auto-creates through the controller") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(1, {})).ok());
        auto kafka = rig.connect();
        auto response = client::metadata(*kafka, std::vector<std::string>{"auto"}, rig.deadline());
        REQUIRE(response->topics[0].error_code == to_wire(KafkaError::leader_not_available));
        auto forwarded = controller.forwarded<protocol::CreateTopicsRequest>();
        REQUIRE(forwarded.size() == 1);
        REQUIRE(forwarded[0].topics[0].name == "auto");
        REQUIRE(forwarded[0].topics[0].num_partitions == 1);
    });
}

TEST_CASE("broker kraft: producer ids come from the controller's blocks") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        REQUIRE(rig.broker->apply_cluster_view(cluster_view(1, {})).ok());
        auto kafka = rig.connect();
        auto init_producer_id = [&] {
            auto response = kafka->call<protocol::InitProducerIdResponse>(
                protocol::InitProducerIdRequest{.transactional_id = std::nullopt,
                                                .transaction_timeout_ms = 60000},
                1, rig.deadline());
            REQUIRE(response.ok());
            return *response;
        };
        std::vector<int64_t> ids;
        for (int i = 0; i < 3; ++i) {
            auto response = init_producer_id();
            REQUIRE(response.error_code == 0);
            ids.push_back(response.producer_id);
        }
        REQUIRE(ids == std::vector<int64_t>{1000, 1001, 1002});
        REQUIRE(controller.forwarded<protocol::AllocateProducerIdsRequest>().size() == 2);

        controller.answer = [](const protocol::AnyRequest&, int16_t) {
            return Result<protocol::AnyResponse>(Error(ErrorCode::timeout, "no quorum"));
        };
        REQUIRE(init_producer_id().error_code == 0);  // the block still has 1003
        REQUIRE(init_producer_id().error_code == to_wire(KafkaError::coordinator_load_in_progress));
    });
}

TEST_CASE("broker kraft: find coordinator names the leader of the group's offsets partition") {
    FakeController controller;
    BrokerRig rig(kraft_config(3), 1, &controller);
    rig.run([&] {
        cluster::ClusterView view = cluster_view(1, {});
        view.brokers[2].fenced = true;
        REQUIRE(rig.broker->apply_cluster_view(view).ok());
        auto kafka = rig.connect();
        auto find = [&] {
            protocol::FindCoordinatorRequest request;
            request.key = "app";
            auto response = kafka->call<protocol::FindCoordinatorResponse>(request, 1,
                                                                           rig.deadline());
            REQUIRE(response.ok());
            return *response;
        };
        // No offsets topic yet: the controller is asked for one, the client to come back.
        REQUIRE(find().error_code == to_wire(KafkaError::coordinator_not_available));
        auto forwarded = controller.forwarded<protocol::CreateTopicsRequest>();
        REQUIRE(forwarded.size() == 1);
        REQUIRE(forwarded[0].topics[0].name == "__consumer_offsets");
        REQUIRE(forwarded[0].topics[0].num_partitions == 3);
        REQUIRE(forwarded[0].topics[0].replication_factor == 2);  // min(3, live brokers)

        PartitionId home = group::offsets_partition_for("app", 3);
        std::vector<cluster::PartitionInfo> partitions;
        for (int32_t i = 0; i < 3; ++i) {
            partitions.push_back(placed(i, {1, 2}, i == home.value() ? 2 : 1, 1, {1, 2}));
        }
        cluster::ClusterView with_offsets =
            cluster_view(2, {topic_info("__consumer_offsets", 7, partitions)});
        REQUIRE(rig.broker->apply_cluster_view(with_offsets).ok());
        auto found = find();
        REQUIRE(found.error_code == 0);
        REQUIRE(found.node_id == 2);
        REQUIRE(found.host == "n2");
        REQUIRE(found.port == 9092);

        // Its leader gone: no coordinator until another is elected.
        with_offsets.metadata_offset = Offset(3);
        with_offsets.topics.at("__consumer_offsets").partitions[home.value()] =
            placed(home.value(), {2}, -1, 2, {2});
        REQUIRE(rig.broker->apply_cluster_view(with_offsets).ok());
        REQUIRE(find().error_code == to_wire(KafkaError::coordinator_not_available));
    });
}

TEST_CASE("broker kraft: groups are coordinated where their offsets partition is led") {
    FakeController controller;
    BrokerRig rig(kraft_config(2), 1, &controller);
    rig.run([&] {
        PartitionId home = group::offsets_partition_for("app", 2);
        auto offsets_view = [&](int64_t offset, int32_t leader, int32_t epoch) {
            std::vector<cluster::PartitionInfo> partitions;
            for (int32_t i = 0; i < 2; ++i) {
                partitions.push_back(i == home.value() ? placed(i, {1, 2}, leader, epoch, {1, 2})
                                                       : placed(i, {1, 2}, 1, 0, {1, 2}));
            }
            return cluster_view(offset, {topic_info("__consumer_offsets", 7, partitions),
                                         topic_info("orders", 1, {placed(0, {1}, 1, 0)})});
        };
        auto kafka = rig.connect();
        auto commit = [&](int64_t at) {
            protocol::OffsetCommitRequest request;
            request.group_id = "app";
            auto& topic = request.topics.emplace_back();
            topic.name = "orders";
            topic.partitions.push_back({.partition_index = 0, .committed_offset = at});
            auto response = kafka->call<protocol::OffsetCommitResponse>(request, 2, rig.deadline());
            REQUIRE(response.ok());
            return protocol::kafka_error_from_wire(response->topics[0].partitions[0].error_code);
        };
        auto committed = [&]() -> std::pair<KafkaError, int64_t> {
            protocol::OffsetFetchRequest request;
            request.group_id = "app";
            request.topics.emplace().push_back({"orders", {0}});
            auto response = kafka->call<protocol::OffsetFetchResponse>(request, 2, rig.deadline());
            REQUIRE(response.ok());
            if (response->error_code != 0) {
                return {protocol::kafka_error_from_wire(response->error_code), -1};
            }
            return {KafkaError::none, response->topics[0].partitions[0].committed_offset};
        };
        // Waits out COORDINATOR_LOAD_IN_PROGRESS while the partition's groups load.
        auto settled = [&](auto call) {
            for (int i = 0; i < 100; ++i) {
                auto result = call();
                if (result != KafkaError::coordinator_load_in_progress) return result;
                rig.sleep(milliseconds(10));
            }
            FAIL("still loading");
            return KafkaError::none;
        };

        REQUIRE(rig.broker->apply_cluster_view(offsets_view(1, 1, 1)).ok());
        REQUIRE(settled([&] { return commit(42); }) == KafkaError::none);
        REQUIRE(committed() == std::pair(KafkaError::none, int64_t{42}));

        // Broker 2 leads the group's partition now: not this node's group any more.
        REQUIRE(rig.broker->apply_cluster_view(offsets_view(2, 2, 2)).ok());
        REQUIRE(commit(43) == KafkaError::not_coordinator);
        REQUIRE(committed().first == KafkaError::not_coordinator);

        // Back here in a later epoch: loaded again from the partition's log.
        REQUIRE(rig.broker->apply_cluster_view(offsets_view(3, 1, 3)).ok());
        REQUIRE(settled([&] { return committed().first; }) == KafkaError::none);
        REQUIRE(committed() == std::pair(KafkaError::none, int64_t{42}));
    });
}

TEST_CASE("broker kraft: DescribeQuorum is offered and forwarded to the controller") {
    FakeController controller;
    BrokerRig rig(kraft_config(), 1, &controller);
    rig.run([&] {
        auto kafka = rig.connect();
        auto versions = kafka->call<protocol::ApiVersionsResponse>(
            protocol::ApiVersionsRequest{"brook-test", "1.0"}, 3, rig.deadline());
        REQUIRE(versions->api_keys.size() == handler_specs().size());
        controller.answer = [](const protocol::AnyRequest&, int16_t) {
            protocol::DescribeQuorumResponse response;
            response.topics.emplace_back().topic_name = "__cluster_metadata";
            return Result<protocol::AnyResponse>(protocol::AnyResponse(response));
        };
        auto described = kafka->call<protocol::DescribeQuorumResponse>(
            protocol::DescribeQuorumRequest{}, 2, rig.deadline());
        REQUIRE(described.ok());
        REQUIRE(described->topics.size() == 1);
        REQUIRE(controller.forwarded<protocol::DescribeQuorumRequest>().size() == 1);
        REQUIRE(controller.log.back().version == 2);
    });
}

}  // namespace
}  // namespace brook::broker::testing
