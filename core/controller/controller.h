// The metadata quorum leader's state machine (Kafka's QuorumController, KIP-631): commands in,
// metadata records and answers out, over the MetadataImage the committed log builds. Pure: no
// I/O, no clock (the caller passes now_ms), no fibers, nothing that suspends.
//
//   Controller controller(options);                  // on becoming the quorum leader
//   for (auto& [offset, records] : committed_log) controller.replay(records, offset);
//   auto result = controller.register_broker(command, log.next_offset(), now_ms);
//   Offset offset = log.append(result.records);      // one entry: the records share its offset
//   controller.replay(result.records, offset);
//   reply_when_committed(result.reply);
//
// The image advances only through replay(), so a controller rebuilt from the log by the next
// leader is the same controller (Kafka's design); only the brokers' heartbeat times live beside
// it, and a new leader gives every broker a fresh session. Commands decide over the image as the
// replayed records left it, so the caller replays one command's records (on append, as Kafka's
// controller does, or on commit) before it issues the next: a command ASSERTs that nothing it
// emitted earlier is still waiting. A leader that loses leadership is thrown away with its
// unreplayed records. Every record is ASSERTed to apply to the image, and after every command
// the controller ASSERTs what it promises of the partitions it changed: replicas distinct, the
// ISR inside the replicas, every leader in its ISR, registered and unfenced, epochs never going
// back. What a foreign log left elsewhere is worked with, not asserted on.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "core/base/result.h"
#include "core/controller/controller_commands.h"
#include "core/controller/controller_options.h"
#include "core/metadata/metadata_image.h"

namespace brook::controller {

class PendingRecords;

class Controller {
public:
    explicit Controller(ControllerOptions options);
    // Starts from a snapshot's image (metadata_snapshot.h); the log after it is then replayed.
    Controller(ControllerOptions options, metadata::MetadataImage image);

    // Applies one entry of the log at `offset`, the records of one command, all or none
    // (MetadataImage::apply_command): the controller's own records after their command, and
    // everything already in the log when this node becomes the leader. An error is a record that
    // contradicts the image; the caller logs it.
    Result<void> replay(const std::vector<MetadataRecord>& records, Offset offset);

    const metadata::MetadataImage& image() const { return image_; }

    // The FeatureLevelRecord (metadata.version) a new cluster's log starts with; none if the
    // image has one already.
    std::vector<MetadataRecord> bootstrap() const;

    // The broker epoch is the offset its RegisterBrokerRecord will have, which the caller gives
    // as `next_offset`, the offset of the log entry that will hold this command's records (one
    // entry for all of them, so one registration per command keeps epochs unique). A live
    // registration of another incarnation is refused with DUPLICATE_BROKER_REGISTRATION until its
    // session expires. The broker starts fenced.
    ControllerResult<RegisterBrokerReply> register_broker(const RegisterBrokerCommand& command,
                                                          Offset next_offset, int64_t now_ms);
    // Renews the broker's session. A fenced broker is unfenced once its metadata offset reaches
    // its registration; an active one asking to shut down enters controlled shutdown and loses
    // its leaderships, then is told to shut down (and fenced) once it leads nothing.
    ControllerResult<HeartbeatReply> heartbeat(const HeartbeatCommand& command, int64_t now_ms);
    // Fences every broker whose session (broker.session.timeout.ms since its last heartbeat)
    // expired, with new leaders for what it led.
    std::vector<MetadataRecord> tick(int64_t now_ms);
    ControllerResult<KafkaError> unregister_broker(const UnregisterBrokerCommand& command);

    // `next_offset` as for register_broker: topic ids are drawn from the seed, the offset and the
    // name, so a new leader replaying the same log draws the same ones.
    ControllerResult<std::vector<CreateTopicResult>> create_topics(
        const CreateTopicsCommand& command, Offset next_offset);
    ControllerResult<std::vector<DeleteTopicResult>> delete_topics(
        const DeleteTopicsCommand& command);
    ControllerResult<CreatePartitionsReply> create_partitions(
        const CreatePartitionsCommand& command);
    ControllerResult<AlterConfigsReply> alter_configs(const AlterConfigsCommand& command);
    ControllerResult<AllocateProducerIdsReply> allocate_producer_ids(
        const AllocateProducerIdsCommand& command);

    // A partition leader's new ISRs (controller_partitions.cc), validated as Kafka's
    // ReplicationControlManager.alterPartition does: the requester at its broker epoch
    // (STALE_BROKER_EPOCH), then per partition its leader in its leader and partition epochs,
    // the new ISR within the replicas, holding the leader, every member eligible at its epoch.
    // A change is one PartitionChangeRecord with the new ISR (the image bumps the partition
    // epoch as it applies it); each result carries the partition's state after its change.
    ControllerResult<AlterPartitionReply> alter_partition(const AlterPartitionCommand& command);

private:
    PendingRecords begin() const;
    // Checks the command's records against the image (the promises above) and queues them
    // for replay.
    std::vector<MetadataRecord> finish(PendingRecords&& pending);
    void check_invariants(const metadata::MetadataImage& after) const;

    // The changes that take `broker` out of every ISR (but as a last member) and leadership.
    void remove_from_partitions(PendingRecords& pending, NodeId broker) const;
    // Those changes, then the record that fences the broker.
    void fence(PendingRecords& pending, NodeId broker) const;
    // Leaders for the partitions without one, where an ISR member may lead now.
    void elect_leaderless(PendingRecords& pending) const;
    bool session_expired(NodeId broker, int64_t now_ms) const;

    CreateTopicResult create_topic(PendingRecords& pending, const CreateTopicCommand& topic,
                                   Offset next_offset) const;
    Uuid draw_topic_id(const PendingRecords& pending, const std::string& name, Offset offset) const;

    // Why `change` of `partition` (nullptr: unknown) may not be applied for `requester`, or
    // none.
    KafkaError check_alter_partition(const PendingRecords& pending, NodeId requester,
                                     const metadata::PartitionState* partition,
                                     const AlterPartitionChange& change) const;

    ControllerOptions options_;
    metadata::MetadataImage image_;
    // When each broker last heartbeated (or registered), in the caller's milliseconds. A broker
    // in the image without an entry gets one at the next tick: a new leader's fresh session.
    std::map<NodeId, int64_t> last_contact_ms_;
    // Records returned by commands and not yet replayed, in order.
    std::deque<MetadataRecord> awaiting_replay_;
};

}  // namespace brook::controller
