// The cluster scenario's invariants (scenarios/cluster_scenario.h), fed by its clients as the
// run goes and by its final checks; the first broken one is kept, named as below.
//
//   ClusterChecker checker;
//   checker.create_answered("t3", 4, KafkaError::none);      // each CreateTopics answer
//   checker.acknowledged({"t3", PartitionId(1)}, Offset(7), "p1-42");
//   checker.fence_probe(2, metadata);                        // Metadata while n2 is long down
//   checker.cluster_metadata(1, metadata);                   // after the quiet phase
//   checker.read({"t3", PartitionId(1)}, Offset(7), "p1-42"); // the final read-back
//   if (auto lost = checker.unread()) ...
//
// The invariants:
//   created-twice: a CreateTopics of a name that exists (answered NONE or TOPIC_ALREADY_EXISTS
//     before; topics are never deleted here) is answered NONE again.
//   topic-missing, topic-partitions: a created topic is absent from a live broker's Metadata
//     after the quiet phase, or has another partition count than it was created with.
//   topic-ids: two nodes' committed metadata name a created topic by different ids.
//   uneven-placement: the placement's promise (core/controller/replica_placer.h): of a topic's
//     partitions (one replica each), every broker that holds some holds within one of every
//     other, whichever brokers were active at creation; and a topic created while all three were
//     unfenced has every broker holding (and leading) some, within one.
//   fenced-broker-listed, fenced-partition-led: a broker down past broker.session.timeout.ms is
//     left out of Metadata's brokers and fenced in every node's committed metadata, and
//     partitions it alone hosts have no leader in either.
//   inconsistent-offsets, lost-write, wrong-record: two acknowledgements at one offset; an
//     acknowledged record missing from the final read-back, or another record at its offset.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/strong_type.h"
#include "core/client/topic_partition.h"
#include "core/metadata/metadata_image.h"
#include "core/protocol/error_code.h"
#include "core/protocol/generated/metadata.h"
#include "core/protocol/uuid.h"

namespace brook::scenarios {

class ClusterChecker {
public:
    // The answer to a CreateTopics of `name` with `partitions` (every attempt at a name asks
    // for the same count).
    void create_answered(const std::string& name, int32_t partitions, protocol::KafkaError answer);
    // Topics known to exist, with their partition counts.
    const std::map<std::string, int32_t>& topics() const { return created_; }

    void acknowledged(const client::TopicPartition& tp, Offset offset, const std::string& value);
    std::size_t acknowledged_count() const;

    // Metadata (all topics) that broker `asked` gave while broker `down` has been down longer
    // than the session timeout (and the rest of the cluster healthy).
    void fence_probe(int down, int asked, const protocol::MetadataResponse& metadata);
    // The same of node `node`'s committed metadata (Metadata shows a fenced leader as none, so
    // only the image tells a partition led by a fenced broker from an offline one).
    void fence_probe(int down, int node, const metadata::MetadataImage& image);
    int fence_probes() const { return fence_probes_; }

    // Metadata (all topics) from broker `asked` once the cluster recovered: every created topic
    // there with its partition count, placed evenly.
    void cluster_metadata(int asked, const protocol::MetadataResponse& metadata);
    // Of those, only the partition counts of the created topics that broker `asked` lists: what
    // a cluster that did not recover can still be judged by (a topic committed without all of
    // its partitions stays so).
    void partition_counts(int asked, const protocol::MetadataResponse& metadata);
    // The topic id node `node`'s committed metadata has for `name` (nullopt: none).
    void topic_id(int node, const std::string& name, std::optional<protocol::Uuid> id);
    // A topic created while every one of `brokers` was unfenced: each leads some partition.
    void spread_over(const protocol::MetadataResponse::MetadataResponseTopic& topic,
                     const std::set<int32_t>& brokers);

    void read(const client::TopicPartition& tp, Offset offset, const std::string& value);
    // The first acknowledged record the final reads did not see (lost-write), if any.
    void check_unread();

    const std::optional<std::string>& violation() const { return violation_; }
    void fail(std::string what);

private:
    void check_placement(const protocol::MetadataResponse::MetadataResponseTopic& topic);

    std::map<std::string, int32_t> created_;
    std::map<client::TopicPartition, std::map<Offset, std::string>> acknowledged_;
    std::map<client::TopicPartition, std::set<Offset>> read_;
    std::map<std::string, std::pair<int, protocol::Uuid>> topic_ids_;  // the first node's, by name
    int fence_probes_ = 0;
    std::optional<std::string> violation_;
};

}  // namespace brook::scenarios
