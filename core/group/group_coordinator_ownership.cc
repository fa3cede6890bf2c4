// Which groups this coordinator serves. A single node owns every group once load() ran; in KRaft
// mode (CoordinatorConfig::placed_by_partition_leaders) it owns the groups of the offsets
// partitions it leads, loaded by elect() and dropped by resign(), as Kafka's
// GroupMetadataManager does on election and resignation.
#include "core/base/check.h"
#include "core/group/group_coordinator.h"

namespace brook::group {

KafkaError GroupCoordinator::not_ready(const std::string& group_id) const {
    if (stopping_) return KafkaError::coordinator_not_available;
    if (!config_.placed_by_partition_leaders) {
        return loaded_ ? KafkaError::none : KafkaError::coordinator_load_in_progress;
    }
    auto owned = owned_.find(partition_of(group_id).value());
    if (owned == owned_.end()) return KafkaError::not_coordinator;
    return owned->second.loaded ? KafkaError::none : KafkaError::coordinator_load_in_progress;
}

KafkaError GroupCoordinator::ready_to_write(const std::string& group_id) {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return error;
    if (config_.placed_by_partition_leaders) return KafkaError::none;
    if (Result<void> topic = offsets_.ensure_topic(); !topic) {  // May suspend.
        log_.warn("creating {}: {}", kOffsetsTopic, topic.error().describe());
        return KafkaError::coordinator_not_available;
    }
    return not_ready(group_id);
}

bool GroupCoordinator::loaded() const {
    if (!loaded_) return false;
    for (const auto& [partition, ownership] : owned_) {
        if (!ownership.loaded) return false;
    }
    return true;
}

Result<void> GroupCoordinator::ensure_offsets_topic() {
    ASSERT(!config_.placed_by_partition_leaders,
           "in KRaft mode the controller creates the offsets topic");
    return offsets_.ensure_topic();  // May suspend.
}

bool GroupCoordinator::owns(PartitionId offsets_partition) const {
    if (!config_.placed_by_partition_leaders) return true;
    return owned_.contains(offsets_partition.value());
}

std::optional<uint64_t> GroupCoordinator::loaded_term(PartitionId partition) const {
    if (!config_.placed_by_partition_leaders) {
        return loaded_ ? std::optional<uint64_t>(0) : std::nullopt;
    }
    auto owned = owned_.find(partition.value());
    if (owned == owned_.end() || !owned->second.loaded) return std::nullopt;
    return owned->second.term;
}

std::vector<PartitionId> GroupCoordinator::loaded_partitions() const {
    std::vector<PartitionId> partitions;
    if (!config_.placed_by_partition_leaders) {
        for (int32_t p = 0; p < offsets_.partition_count(); ++p) partitions.emplace_back(p);
        return partitions;
    }
    for (const auto& [partition, ownership] : owned_) {
        if (ownership.loaded) partitions.emplace_back(partition);
    }
    return partitions;
}

Result<void> GroupCoordinator::elect(PartitionId offsets_partition) {
    ASSERT(config_.placed_by_partition_leaders, "elect() is for KRaft mode");
    ASSERT(offsets_partition >= PartitionId(0));
    if (stopping_) return Error(ErrorCode::shutting_down, "the group coordinator is stopping");
    if (owned_.contains(offsets_partition.value())) return {};
    uint64_t term = next_term_++;
    owned_.emplace(offsets_partition.value(), Ownership{term, /*loaded=*/false});
    log_.info("elected for {}-{}: loading its groups", kOffsetsTopic, offsets_partition);
    Result<GroupTable> table = load_partition(offsets_partition);  // May suspend.
    auto owned = owned_.find(offsets_partition.value());
    if (owned == owned_.end() || owned->second.term != term) {
        log_.info("{}-{} was resigned while loading: its groups are not installed", kOffsetsTopic,
                  offsets_partition);
        return {};
    }
    if (!table) {
        owned_.erase(owned);
        return table.error();
    }
    log_.info("loaded {}-{}: {} groups and {} committed offsets", kOffsetsTopic, offsets_partition,
              table->size(), offset_count(*table));
    install(std::move(*table));
    owned->second.loaded = true;
    timers_changed_.notify_all();  // its groups' deadlines count now
    return {};
}

void GroupCoordinator::resign(PartitionId offsets_partition) {
    ASSERT(config_.placed_by_partition_leaders, "resign() is for KRaft mode");
    auto owned = owned_.find(offsets_partition.value());
    if (owned == owned_.end()) return;
    // A load in progress sees its term gone and installs nothing.
    owned_.erase(owned);
    rewrite_floor_bytes_.erase(offsets_partition.value());
    std::size_t dropped = 0;
    // Every group whose partition is not loaded goes: the resigned partition's, and (were the
    // offsets topic's partition count to have changed) any group it now places elsewhere, so
    // that only groups of loaded partitions stay in memory.
    for (auto it = groups_.begin(); it != groups_.end();) {
        if (loaded_term(partition_of(it->first))) {
            ++it;
            continue;
        }
        // The members find the new coordinator and rejoin there.
        it->second->group.fail_all_parked(KafkaError::not_coordinator);
        deliver(it->second->group.take_completions());
        it = groups_.erase(it);
        ++dropped;
    }
    timers_changed_.notify_all();
    log_.info("resigned {}-{}: dropped {} groups", kOffsetsTopic, offsets_partition, dropped);
}

}  // namespace brook::group
