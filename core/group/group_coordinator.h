// The group coordinator of a single-node broker: every consumer group (group.h, the pure state
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
    // it returns, requests answer COORDINATOR_LOAD_IN_PROGRESS. May suspend.
    Result<void> load();
    bool loaded() const { return loaded_; }
    // Creates the offsets topic if needed (FindCoordinator does, as Kafka). May suspend.
    Result<void> ensure_offsets_topic() { return offsets_.ensure_topic(); }
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

    KafkaError not_ready() const;
    // Kafka's answer when the offsets log refused or lost a write (GroupMetadataManager):
    // NOT_COORDINATOR for a storage error, so the client looks the coordinator up again.
    static KafkaError storage_failure(const Error& error);
    std::shared_ptr<Entry> find(const std::string& group_id) const;
    std::shared_ptr<Entry> find_or_create(const std::string& group_id);
    PartitionId partition_of(const std::string& group_id) const;
    // Delivers the group's completions and persists its metadata if it changed. May suspend.
    void after_change(const std::string& group_id, Entry& entry);
    void deliver(std::vector<Completion> completions);
    Completion wait_for(uint64_t ticket, Instant deadline);
    // Writes the records without suspending, applies `apply` to memory only if the write
    // succeeded, then waits for durability. May suspend.
    Result<void> store(const std::string& group_id, const std::vector<log::Record>& records,
                       const std::function<void()>& apply);
    log::Record group_record(const std::string& group_id, const Entry& entry) const;
    std::vector<log::Record> live_records(PartitionId partition) const;
    void apply_loaded(const log::Record& record,
                      std::map<std::string, std::optional<GroupMetadata>>& metadata);
    void expire_offsets();
    void bound_offsets_log();
    std::string new_member_id(const std::string& client_id);

    Environment& env_;
    CoordinatorConfig config_;
    Logger log_;
    OffsetsLog offsets_;
    std::map<std::string, std::shared_ptr<Entry>> groups_;
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
    bool loaded_ = false;
    bool stopping_ = false;
};

}  // namespace brook::group
