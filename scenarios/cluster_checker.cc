#include "scenarios/cluster_checker.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/cluster/meta_properties.h"

namespace brook::scenarios {

using protocol::KafkaError;
using protocol::MetadataResponse;

void ClusterChecker::fail(std::string what) {
    if (!violation_) violation_ = std::move(what);
}

void ClusterChecker::create_answered(const std::string& name, int32_t partitions,
                                     KafkaError answer) {
    bool exists = created_.contains(name);
    if (answer == KafkaError::none && exists) {
        fail(fmt::format("created-twice: CreateTopics of {}, which exists, answered NONE", name));
    }
    // TOPIC_ALREADY_EXISTS for a name only this scenario's attempts use: one of them created it.
    if (answer == KafkaError::none || answer == KafkaError::topic_already_exists) {
        created_[name] = partitions;
    }
}

void ClusterChecker::acknowledged(const client::TopicPartition& tp, Offset offset,
                                  const std::string& value) {
    auto [at, inserted] = acknowledged_[tp].emplace(offset, value);
    if (!inserted && at->second != value) {
        fail(fmt::format("inconsistent-offsets: {} at {} acknowledged as {} and as {}",
                         tp.to_string(), offset, at->second, value));
    }
}

std::size_t ClusterChecker::acknowledged_count() const {
    std::size_t count = 0;
    for (const auto& [tp, records] : acknowledged_) count += records.size();
    return count;
}

void ClusterChecker::fence_probe(int down, int asked, const MetadataResponse& metadata) {
    ++fence_probes_;
    for (const auto& broker : metadata.brokers) {
        if (broker.node_id == down) {
            fail(
                fmt::format("fenced-broker-listed: n{} down past the session timeout, yet n{}'s "
                            "Metadata lists it",
                            down, asked));
        }
    }
    for (const auto& topic : metadata.topics) {
        for (const auto& partition : topic.partitions) {
            if (partition.replica_nodes == std::vector<int32_t>{down} && partition.leader_id >= 0) {
                fail(
                    fmt::format("fenced-partition-led: {}-{}, hosted by n{} alone, down past the "
                                "session timeout, has leader {} in n{}'s Metadata",
                                topic.name.value_or("?"), partition.partition_index, down,
                                partition.leader_id, asked));
            }
        }
    }
}

void ClusterChecker::fence_probe(int down, int node, const metadata::MetadataImage& image) {
    const metadata::BrokerRegistration* broker = image.broker(NodeId(down));
    if (broker != nullptr && !broker->fenced) {
        fail(fmt::format("fenced-broker-listed: n{} down past the session timeout, yet n{}'s "
                         "committed metadata has it unfenced",
                         down, node));
    }
    for (const auto& [id, topic] : image.topics()) {
        for (const auto& [partition, state] : topic.partitions) {
            if (state.replicas == std::vector<NodeId>{NodeId(down)} &&
                state.leader != metadata::kNoLeader) {
                fail(fmt::format("fenced-partition-led: {}-{}, hosted by n{} alone, down past the "
                                 "session timeout, has leader {} in n{}'s committed metadata",
                                 topic.name, partition, down, state.leader, node));
            }
        }
    }
}

void ClusterChecker::check_placement(const MetadataResponse::MetadataResponseTopic& topic) {
    std::map<int32_t, int> held;
    for (const auto& partition : topic.partitions) {
        if (partition.replica_nodes.size() != 1) {
            fail(fmt::format("uneven-placement: {}-{} has replicas [{}], not one",
                             topic.name.value_or("?"), partition.partition_index,
                             fmt::join(partition.replica_nodes, ",")));
            return;
        }
        ++held[partition.replica_nodes[0]];
    }
    auto [least, most] = std::minmax_element(
        held.begin(), held.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    if (!held.empty() && most->second - least->second > 1) {
        fail(fmt::format("uneven-placement: {} holds {} partitions on n{} but {} on n{}",
                         topic.name.value_or("?"), most->second, most->first, least->second,
                         least->first));
    }
}

namespace {

std::map<std::string, const MetadataResponse::MetadataResponseTopic*> listed_topics(
    const MetadataResponse& metadata) {
    std::map<std::string, const MetadataResponse::MetadataResponseTopic*> listed;
    for (const auto& topic : metadata.topics) {
        if (topic.name && topic.error_code == 0) listed[*topic.name] = &topic;
    }
    return listed;
}

}  // namespace

void ClusterChecker::cluster_metadata(int asked, const MetadataResponse& metadata) {
    auto listed = listed_topics(metadata);
    for (const auto& [name, partitions] : created_) {
        auto topic = listed.find(name);
        if (topic == listed.end()) {
            fail(fmt::format("topic-missing: {} was created but n{}'s Metadata lacks it", name,
                             asked));
            continue;
        }
        check_placement(*topic->second);
    }
    partition_counts(asked, metadata);
}

void ClusterChecker::partition_counts(int asked, const MetadataResponse& metadata) {
    auto listed = listed_topics(metadata);
    for (const auto& [name, partitions] : created_) {
        auto topic = listed.find(name);
        if (topic == listed.end()) continue;
        int32_t count = static_cast<int32_t>(topic->second->partitions.size());
        if (count != partitions) {
            fail(fmt::format("topic-partitions: {} was created with {} partitions, n{} has {}",
                             name, partitions, asked, count));
        }
    }
}

void ClusterChecker::topic_id(int node, const std::string& name, std::optional<protocol::Uuid> id) {
    if (!id) {
        fail(fmt::format("topic-missing: {} was created but n{}'s committed metadata lacks it",
                         name, node));
        return;
    }
    auto [first, inserted] = topic_ids_.emplace(name, std::pair(node, *id));
    if (!inserted && first->second.second != *id) {
        fail(fmt::format("topic-ids: n{} has {} as {}, n{} as {}", first->second.first, name,
                         cluster::uuid_text(first->second.second), node, cluster::uuid_text(*id)));
    }
}

void ClusterChecker::spread_over(const MetadataResponse::MetadataResponseTopic& topic,
                                 const std::set<int32_t>& brokers) {
    check_placement(topic);
    std::map<int32_t, int> led;
    for (int32_t broker : brokers) led[broker] = 0;
    for (const auto& partition : topic.partitions) ++led[partition.leader_id];
    std::vector<std::string> described;
    for (const auto& partition : topic.partitions) {
        described.push_back(fmt::format("{}: leader {}, replicas [{}]", partition.partition_index,
                                        partition.leader_id,
                                        fmt::join(partition.replica_nodes, ",")));
    }
    for (const auto& [broker, count] : led) {
        if (!brokers.contains(broker) || count == 0) {
            fail(fmt::format(
                "uneven-placement: {} created while n{} were unfenced, but its "
                "partitions are {}",
                topic.name.value_or("?"), fmt::join(brokers, ",n"), fmt::join(described, "; ")));
            return;
        }
    }
}

void ClusterChecker::read(const client::TopicPartition& tp, Offset offset,
                          const std::string& value) {
    read_[tp].insert(offset);
    auto records = acknowledged_.find(tp);
    if (records == acknowledged_.end()) return;
    auto record = records->second.find(offset);
    if (record != records->second.end() && record->second != value) {
        fail(fmt::format("wrong-record: {} at {} was acknowledged as {}, reads {}", tp.to_string(),
                         offset, record->second, value));
    }
}

void ClusterChecker::check_unread() {
    for (const auto& [tp, records] : acknowledged_) {
        for (const auto& [offset, value] : records) {
            if (!read_[tp].contains(offset)) {
                fail(fmt::format("lost-write: {} acknowledged at {} of {}, not read back", value,
                                 offset, tp.to_string()));
                return;
            }
        }
    }
}

}  // namespace brook::scenarios
