// The group coordinator: every consumer group this node coordinates (group.h, the pure state
// machine), their committed offsets, and their durable record in `__consumer_offsets`
// (offsets_log.h). This is the layer that waits: a JoinGroup parks its fiber until the round
// completes, a follower's SyncGroup until the leader's assignment, an OffsetCommit until its
// record is fsynced; a timer fiber (run_timers) drives session expiry and delayed joins on the
// runtime clock, and the broker's ticker drives offsets retention and the log's bounding.
//
//   GroupCoordinator groups(env, config, topics);
//   scheduler.spawn("group/load", [&] { (void)groups.load(); });      // COORDINATOR_LOAD_IN_...
//   scheduler.spawn("group/timers", [&] { groups.run_timers(); });   // until stop()
//   JoinResult joined = groups.join("app", input);                    // May suspend
//   groups.tick();                                                    // every ~100 ms
//   groups.stop();                                                    // shutdown
//
// Placement. A single node coordinates every group: load() replays the whole offsets topic. In a
// KRaft cluster (CoordinatorConfig::placed_by_partition_leaders) a group's coordinator is the
// leader of its offsets partition, as in Kafka: the broker calls elect(p) when this node becomes
// the leader of `__consumer_offsets` partition p (its groups are loaded from p's log) and
// resign(p) when it stops being it (they are dropped); requests for a group of a partition this
// node does not own answer NOT_COORDINATOR, and the client looks the coordinator up again.
//
//   groups.elect(PartitionId(7));    // May suspend; COORDINATOR_LOAD_IN_PROGRESS meanwhile
//   groups.resign(PartitionId(7));   // never suspends; parked joins answer NOT_COORDINATOR
//
// Determinism: groups live in std::maps, member ids come from env.random, and time from
// env.clock, so the simulator replays a run exactly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/logger.h"
#include "core/cluster/topic_manager.h"
#include "core/group/group.h"
#include "core/group/offsets_log.h"
#include "core/group/offsets_records.h"
#include "core/runtime/environment.h"
#include "core/runtime/wait_queue.h"

namespace brook::group {

struct CoordinatorConfig {
    GroupLimits limits;
    int32_t offsets_partitions = 50;                    // offsets.topic.num.partitions
    Duration offsets_retention = minutes(7 * 24 * 60);  // offsets.retention.minutes
    Duration retention_check_interval = minutes(10);    // offsets.retention.check.interval.ms
    // An offsets partition larger than this and than twice its live state is rewritten.
    uint64_t rewrite_threshold_bytes = 16 * 1024 * 1024;  // offsets.rewrite.threshold.bytes
    std::size_t metadata_bytes_max = 4096;                // offset.metadata.max.bytes
    // KRaft mode: this node coordinates only the groups of the offsets partitions it was
    // elected for (elect/resign); load() loads nothing and the broker, not the coordinator,
    // has the controller create the offsets topic. Off: one node owns every group.
    bool placed_by_partition_leaders = false;
};

struct TopicPartitionKey {
    std::string topic;
    PartitionId partition{0};
    auto operator<=>(const TopicPartitionKey&) const = default;
};

struct CommitInput {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    int32_t generation = -1;
    std::vector<std::pair<TopicPartitionKey, CommittedOffset>> offsets;
};

struct DescribedMember {
    std::string member_id;
    std::optional<std::string> group_instance_id;
    std::string client_id;
    std::string client_host;
    Bytes metadata;  // of the selected protocol
    Bytes assignment;
};

struct GroupDescription {
    KafkaError error = KafkaError::none;
    std::string state;
    std::string protocol_type;
    std::string protocol_name;
    std::vector<DescribedMember> members;
};

struct ListedGroup {
    std::string group_id;
    std::string protocol_type;
    std::string state;
};

class GroupCoordinator {
public:
    GroupCoordinator(Environment& env, CoordinatorConfig config, cluster::TopicManager& topics);
    ~GroupCoordinator();
    GroupCoordinator(const GroupCoordinator&) = delete;
    GroupCoordinator& operator=(const GroupCoordinator&) = delete;

    // Rebuilds every group and committed offset from `__consumer_offsets`, if it exists. Until
    // it returns, requests answer COORDINATOR_LOAD_IN_PROGRESS. In KRaft mode it loads nothing
    // (elect() loads per partition) and only opens the coordinator. May suspend.
    Result<void> load();
    // load() returned and (KRaft mode) no elected partition is still loading: ListGroups
    // answers COORDINATOR_LOAD_IN_PROGRESS otherwise, as Kafka's does.
    bool loaded() const;
    // Creates the offsets topic if needed (FindCoordinator does, as Kafka). Single-node mode
    // only: in KRaft mode the controller creates topics. May suspend.
    Result<void> ensure_offsets_topic();

    // KRaft mode. This node now leads `offsets_partition`: its groups and offsets are replayed
    // from that partition's log up to its high watermark and installed; until then their
    // requests answer COORDINATOR_LOAD_IN_PROGRESS. Nothing to do for a partition already
    // owned or loading. A resign() during the load ends it without installing anything (and
    // returns success: ownership is what the latest call said). A failed load leaves the
    // partition unowned (NOT_COORDINATOR) and returns the error; elect again to retry.
    // The group -> partition rule uses the offsets topic's partition count in the topic table,
    // so that table must hold every partition of `__consumer_offsets`. May suspend.
    Result<void> elect(PartitionId offsets_partition);
    // KRaft mode. This node no longer leads `offsets_partition`: its groups and offsets are
    // dropped from memory, parked JoinGroup and SyncGroup requests answer NOT_COORDINATOR, and
    // a write to that partition still waiting for durability is answered NOT_COORDINATOR, never
    // acknowledged. Nothing to do for a partition not owned. Never suspends.
    void resign(PartitionId offsets_partition);
    // Whether this node coordinates the groups of `offsets_partition` (loaded or loading).
    bool owns(PartitionId offsets_partition) const;
    // The offsets partition that holds `group_id` (offsets_partition_for over the offsets
    // topic's partition count): the broker's FindCoordinator asks who leads it.
    PartitionId partition_of(const std::string& group_id) const;
    // Session expiry and delayed joins, on the scheduler's clock, until stop(). May suspend.
    void run_timers();
    // Offsets retention and the rewrite of overgrown offsets partitions. May suspend.
    void tick();
    // Answers every parked request with COORDINATOR_NOT_AVAILABLE and refuses new ones.
    void stop();

    // The group requests. Each may suspend.
    JoinResult join(const std::string& group_id, JoinInput input);
    SyncResult sync(const std::string& group_id, const SyncInput& input);
    KafkaError heartbeat(const std::string& group_id, const std::string& member_id,
                         const std::optional<std::string>& group_instance_id, int32_t generation);
    // The group's error (none when it answered per member), and one error per member.
    std::pair<KafkaError, std::vector<KafkaError>> leave(const std::string& group_id,
                                                         const std::vector<LeaveInput>& members);
    // One error per offset, in order; acknowledged (none) only once the record is fsynced.
    std::vector<KafkaError> commit(const std::string& group_id, const CommitInput& input);
    // The group's error, or its committed offsets (all of them when `partitions` is nullopt).
    KafkaError committed(const std::string& group_id,
                         const std::optional<std::vector<TopicPartitionKey>>& partitions,
                         std::map<TopicPartitionKey, CommittedOffset>& out) const;
    GroupDescription describe(const std::string& group_id) const;
    std::vector<ListedGroup> list() const;
    KafkaError delete_group(const std::string& group_id);
    // OffsetDelete: the group's error, and one per partition.
    std::pair<KafkaError, std::vector<KafkaError>> delete_offsets(
        const std::string& group_id, const std::vector<TopicPartitionKey>& partitions);

    // For tests and the docs' figures.
    std::size_t group_count() const { return groups_.size(); }
    const Group* find_group(const std::string& group_id) const;
    const OffsetsLog& offsets_log() const { return offsets_; }

private:
    struct Entry {
        explicit Entry(Group g) : group(std::move(g)) {}
        Group group;
        std::map<TopicPartitionKey, CommittedOffset> offsets;
        int64_t empty_since_ms = 0;
    };

    using GroupTable = std::map<std::string, std::shared_ptr<Entry>>;
    // An offsets partition this node leads (KRaft mode). `term` tells one election from the
    // next, so a load or a write that suspended can see that the partition was resigned (and
    // maybe elected again) meanwhile.
    struct Ownership {
        uint64_t term = 0;
        bool loaded = false;
    };

    // Whether a request for `group_id` may be served now: COORDINATOR_NOT_AVAILABLE while
    // stopping, NOT_COORDINATOR for a group of a partition not owned (KRaft mode),
    // COORDINATOR_LOAD_IN_PROGRESS while its groups load, else none.
    KafkaError not_ready(const std::string& group_id) const;
    // not_ready(), after creating the offsets topic in single-node mode (JoinGroup and
    // OffsetCommit create it, as Kafka's first group request does). May suspend.
    KafkaError ready_to_write(const std::string& group_id);
    // The election term of a partition whose groups are loaded; nullopt when it is not owned
    // or still loading. Single-node mode owns every partition, in term 0, once load() ran.
    std::optional<uint64_t> loaded_term(PartitionId partition) const;
    // The partitions whose groups are in memory, ascending.
    std::vector<PartitionId> loaded_partitions() const;
    // Kafka's answer when the offsets log refused or lost a write (GroupMetadataManager):
    // NOT_COORDINATOR for a storage error, so the client looks the coordinator up again.
    static KafkaError storage_failure(const Error& error);
    std::shared_ptr<Entry> find(const std::string& group_id) const;
    std::shared_ptr<Entry> find_or_create(const std::string& group_id);
    std::shared_ptr<Entry> find_or_create_in(GroupTable& table, const std::string& group_id);
    // Delivers the group's completions and persists its metadata if it changed. Returns
    // NOT_COORDINATOR (and gives it to the completions) when the group's partition was resigned
    // while the record was written, else none. May suspend.
    KafkaError after_change(const std::string& group_id, Entry& entry);
    void deliver(std::vector<Completion> completions);
    Completion wait_for(uint64_t ticket, Instant deadline);
    // Writes the records without suspending, applies `apply` to memory only if the write
    // succeeded, then waits for durability. not_found when the group's partition is not (or
    // no longer, once durable) led by this node in the same term. May suspend.
    Result<void> store(const std::string& group_id, const std::vector<log::Record>& records,
                       const std::function<void()>& apply);
    log::Record group_record(const std::string& group_id, const Entry& entry) const;
    std::vector<log::Record> live_records(PartitionId partition) const;
    using LoadedMetadata = std::map<std::string, std::optional<GroupMetadata>>;
    // Replays one offsets partition into a table of its groups and offsets, the groups given
    // their generation and protocol; groups the placement rule puts in another partition (written
    // under another partition count) are left out, with a log line. May suspend.
    Result<GroupTable> load_partition(PartitionId partition);
    void apply_loaded(const log::Record& record, GroupTable& table, LoadedMetadata& metadata);
    // Adds a loaded partition's groups to those served (never suspends).
    void install(GroupTable table);
    static std::size_t offset_count(const GroupTable& table);
    void expire_offsets();
    void bound_offsets_log();
    std::string new_member_id(const std::string& client_id);

    Environment& env_;
    CoordinatorConfig config_;
    Logger log_;
    OffsetsLog offsets_;
    GroupTable groups_;
    // Parked requests: a ticket has a slot from the moment it is handed to a Group until its
    // fiber takes the answer out.
    std::map<uint64_t, std::optional<Completion>> parked_;
    uint64_t next_ticket_ = 1;
    WaitQueue delivered_;       // a parked slot was filled
    WaitQueue timers_changed_;  // a deadline may have moved, or stop()
    Instant next_retention_check_{};
    // Per offsets partition: the size below which it is not worth measuring its live state
    // again (the threshold, or twice the live state found last time).
    std::map<int32_t, uint64_t> rewrite_floor_bytes_;
    // KRaft mode: the offsets partitions this node leads, by partition id.
    std::map<int32_t, Ownership> owned_;
    uint64_t next_term_ = 1;
    bool loaded_ = false;
    bool stopping_ = false;
};

}  // namespace brook::group
