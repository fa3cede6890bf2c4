// The cluster as the committed metadata log describes it, in the partition-state layer's own
// terms: the registered brokers and where they listen, the controller, every topic with its
// partitions' replicas, ISR, leader and epochs. A broker in KRaft mode is handed one of these
// after each batch of committed metadata records (core/node/ builds it from the
// MetadataImage) and makes its topic table, partitions and node list agree with it; in
// single-node mode there is no view and the broker keeps its own topic files.
//
//   ClusterView view = view_of(image, quorum_leader, caught_up);   // core/node/
//   TRY(broker.apply_cluster_view(view));                          // May suspend
//
// A plain value: no I/O, ordered containers only, so two nodes given the same committed prefix
// build the same view.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/base/strong_type.h"

namespace brook::cluster {

// Kafka's 16-byte uuid (topic ids); the same bytes as protocol::Uuid.
using TopicId = std::array<uint8_t, 16>;

// One listener a broker registered: its name (PLAINTEXT, ...), host and port.
struct BrokerEndpoint {
    std::string listener;
    std::string host;
    uint16_t port = 0;
    bool operator==(const BrokerEndpoint&) const = default;
};

struct BrokerInfo {
    NodeId id;
    std::vector<BrokerEndpoint> endpoints;
    std::optional<std::string> rack;
    // A fenced broker, or one in controlled shutdown, leads nothing and is left out of Metadata.
    bool fenced = true;
    bool in_controlled_shutdown = false;
    bool operator==(const BrokerInfo&) const = default;
};

struct PartitionInfo {
    PartitionId id;
    std::vector<NodeId> replicas;  // preferred order: the first is the preferred leader
    std::vector<NodeId> isr;
    NodeId leader = NodeId(-1);    // -1: none (offline)
    LeaderEpoch leader_epoch = LeaderEpoch(0);
    int32_t partition_epoch = 0;
    bool operator==(const PartitionInfo&) const = default;
};

struct TopicInfo {
    std::string name;
    TopicId id{};
    // The topic's config overrides (ConfigRecords of the topic resource).
    std::map<std::string, std::string> configs;
    std::vector<PartitionInfo> partitions;  // by id: partitions[i].id == i
    bool operator==(const TopicInfo&) const = default;
};

struct ClusterView {
    // The offset of the last metadata record the view includes (-1: none).
    Offset metadata_offset = Offset(-1);
    // True once this node has applied the metadata log up to the quorum's high watermark as it
    // was when the node started. Before that the view may be an old one: the broker takes its
    // topics, leaders and brokers but opens no log (an old view can name an older leader epoch
    // than a log's batches) and deletes nothing the view lacks (topic_manager.h).
    bool caught_up = false;
    // The quorum leader (Kafka's active controller), when known.
    std::optional<NodeId> controller;
    std::vector<BrokerInfo> brokers;  // every registered broker, ascending by id
    std::map<std::string, TopicInfo, std::less<>> topics;
    bool operator==(const ClusterView&) const = default;
};

}  // namespace brook::cluster
