// A stand-in for the active controller behind a KRaft broker's forwarder, and the cluster views
// the metadata log would hand the broker: the tests of the broker in KRaft mode give it views
// and look at what it forwards.
//
//   FakeController controller;
//   BrokerRig rig(kraft_config(), 1, &controller);
//   rig.run([&] {
//       REQUIRE(rig.broker->apply_cluster_view(view).ok());
//       ... client requests ...
//       REQUIRE(controller.forwarded<protocol::CreateTopicsRequest>().size() == 1);
//   });
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <optional>
#include <vector>

#include "core/broker/controller_forwarder.h"
#include "core/cluster/cluster_view.h"
#include "tests/broker/broker_rig.h"

namespace brook::broker::testing {

class FakeController : public ControllerForwarder {
public:
    struct Forwarded {
        protocol::AnyRequest request;
        int16_t version;
    };

    // Records the request and answers with `answer`, or by default: every topic of a
    // CreateTopics created, producer id blocks of `block_size` from 1000 on, anything else
    // timed out.
    Result<protocol::AnyResponse> forward(protocol::AnyRequest request, int16_t version,
                                          Instant deadline) override {
        (void)deadline;
        log.push_back({request, version});
        if (answer) return answer(request, version);
        if (auto* create = std::get_if<protocol::CreateTopicsRequest>(&request)) {
            protocol::CreateTopicsResponse response;
            for (const auto& topic : create->topics) {
                auto& out = response.topics.emplace_back();
                out.name = topic.name;
                if (version >= 1) out.error_message = std::nullopt;
            }
            return protocol::AnyResponse(std::move(response));
        }
        if (std::holds_alternative<protocol::AllocateProducerIdsRequest>(request)) {
            protocol::AllocateProducerIdsResponse response;
            response.producer_id_start = next_block_start;
            response.producer_id_len = block_size;
            next_block_start += block_size;
            return protocol::AnyResponse(response);
        }
        return Error(ErrorCode::timeout, "no controller in this test");
    }

    // The forwarded requests of one API, in order.
    template <typename Request>
    std::vector<Request> forwarded() const {
        std::vector<Request> out;
        for (const Forwarded& entry : log) {
            if (auto* request = std::get_if<Request>(&entry.request)) out.push_back(*request);
        }
        return out;
    }

    std::vector<Forwarded> log;
    std::function<Result<protocol::AnyResponse>(const protocol::AnyRequest&, int16_t)> answer;
    int64_t next_block_start = 1000;
    int32_t block_size = 2;
};

// Broker 1 of a KRaft cluster, listening as the single-node rig does.
inline BrokerConfig kraft_config(int32_t offsets_partitions = 50) {
    BrokerConfig config;
    REQUIRE(config.set("offsets.topic.num.partitions", std::to_string(offsets_partitions)).ok());
    REQUIRE(config.set("listeners", "PLAINTEXT://n1:9092").ok());
    REQUIRE(config.set("process.roles", "broker").ok());
    REQUIRE(config.set("controller.quorum.voters", "9@c9:9093").ok());
    REQUIRE(config.set("controller.listener.names", "CONTROLLER").ok());
    REQUIRE(config.finish().ok());
    return config;
}

inline cluster::TopicId topic_id(uint8_t seed) {
    cluster::TopicId id{};
    for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<uint8_t>(seed + i);
    return id;
}

inline cluster::BrokerInfo registered(int32_t id, bool fenced = false) {
    cluster::BrokerInfo broker;
    broker.id = NodeId(id);
    broker.endpoints = {{"PLAINTEXT", fmt::format("n{}", id), 9092},
                        {"INTERNAL", fmt::format("n{}.internal", id), 19092}};
    broker.fenced = fenced;
    return broker;
}

inline cluster::PartitionInfo placed(int32_t id, std::vector<int32_t> replicas, int32_t leader,
                                     int32_t leader_epoch, std::vector<int32_t> isr = {}) {
    cluster::PartitionInfo partition;
    partition.id = PartitionId(id);
    for (int32_t replica : replicas) partition.replicas.push_back(NodeId(replica));
    if (isr.empty() && leader >= 0) isr = {leader};
    for (int32_t node : isr) partition.isr.push_back(NodeId(node));
    partition.leader = NodeId(leader);
    partition.leader_epoch = LeaderEpoch(leader_epoch);
    partition.partition_epoch = leader_epoch;
    return partition;
}

inline cluster::TopicInfo topic_info(std::string name, uint8_t id_seed,
                                     std::vector<cluster::PartitionInfo> partitions) {
    cluster::TopicInfo topic;
    topic.name = std::move(name);
    topic.id = topic_id(id_seed);
    topic.partitions = std::move(partitions);
    return topic;
}

// Brokers 1 (this one), 2 and 3, live; the controller 2; caught up.
inline cluster::ClusterView cluster_view(int64_t offset, std::vector<cluster::TopicInfo> topics,
                                         bool caught_up = true) {
    cluster::ClusterView view;
    view.metadata_offset = Offset(offset);
    view.caught_up = caught_up;
    view.controller = NodeId(2);
    view.brokers = {registered(1), registered(2), registered(3)};
    for (auto& topic : topics) view.topics.emplace(topic.name, std::move(topic));
    return view;
}

}  // namespace brook::broker::testing
