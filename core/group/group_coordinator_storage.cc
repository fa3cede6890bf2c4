// The coordinator's durable side: writing group and offset records, rebuilding from the offsets
// topic at start, timers, offsets retention, deletion, and the rewrite that bounds the topic.
#include "core/base/check.h"
#include "core/base/planted_bug.h"
#include "core/group/group_coordinator.h"
#include "core/protocol/consumer_protocol.h"

namespace brook::group {

Result<void> GroupCoordinator::store(const std::string& group_id,
                                     const std::vector<log::Record>& records,
                                     const std::function<void()>& apply) {
    PartitionId partition = partition_of(group_id);
    std::optional<uint64_t> term = loaded_term(partition);
    if (!term) {
        return Error(ErrorCode::not_found,
                     fmt::format("{}-{} is not led by this node", kOffsetsTopic, partition));
    }
    TRY_ASSIGN(Offset end, offsets_.write(partition, records));
    apply();
    TRY(offsets_.wait_durable(partition, end));  // May suspend.
    // Resigned meanwhile: the records may be durable, but in a partition another node leads
    // now (or that this node loaded again since), so the write is not acknowledged.
    if (loaded_term(partition) != term) {
        return Error(ErrorCode::not_found,
                     fmt::format("{}-{} was resigned during the write", kOffsetsTopic, partition));
    }
    return {};
}

log::Record GroupCoordinator::group_record(const std::string& group_id, const Entry& entry) const {
    const Group& group = entry.group;
    GroupMetadata value;
    value.protocol_type = group.protocol_type();
    value.generation = group.generation();
    if (!group.protocol_name().empty()) value.protocol_name = group.protocol_name();
    if (!group.leader().empty()) value.leader = group.leader();
    value.state_timestamp_ms = wall_ms(env_.clock.wall_now());
    for (const auto& [id, member] : group.members()) {
        StoredMember& stored = value.members.emplace_back();
        stored.member_id = id;
        stored.group_instance_id = member.group_instance_id;
        stored.client_id = member.client_id;
        stored.client_host = member.client_host;
        stored.rebalance_timeout_ms = static_cast<int32_t>(to_ms(member.rebalance_timeout));
        stored.session_timeout_ms = static_cast<int32_t>(to_ms(member.session_timeout));
        for (const Protocol& protocol : member.protocols) {
            if (protocol.name == group.protocol_name()) stored.subscription = protocol.metadata;
        }
        stored.assignment = member.assignment;
    }
    return {encode_group_key({group_id}), encode_group_value(value), {}, 0};
}

std::vector<log::Record> GroupCoordinator::live_records(PartitionId partition) const {
    std::vector<log::Record> records;
    for (const auto& [id, entry] : groups_) {
        if (partition_of(id) != partition) continue;
        records.push_back(group_record(id, *entry));
        for (const auto& [where, value] : entry->offsets) {
            records.push_back({encode_offset_key({id, where.topic, where.partition}),
                               encode_offset_value(value),
                               {},
                               0});
        }
    }
    return records;
}

Result<GroupCoordinator::GroupTable> GroupCoordinator::load_partition(PartitionId partition) {
    GroupTable table;
    LoadedMetadata metadata;
    Result<void> replayed = offsets_.replay(partition, [&](const log::Record& record) {
        apply_loaded(record, table, metadata);
    });  // May suspend.
    if (!replayed) {
        return replayed.error().wrap(fmt::format("loading {}-{}", kOffsetsTopic, partition));
    }
    for (auto it = table.begin(); it != table.end();) {
        const std::string& id = it->first;
        // Records of a group placed elsewhere (written under another partition count) would
        // make this node serve a group it does not own: Kafka's placement wins.
        if (partition_of(id) != partition) {
            log_.warn("{}-{}: skipping group {}, which belongs in partition {}", kOffsetsTopic,
                      partition, id, partition_of(id));
            it = table.erase(it);
            continue;
        }
        auto stored = metadata.find(id);
        if (stored != metadata.end() && stored->second) {
            const GroupMetadata& value = *stored->second;
            Entry& entry = *it->second;
            // Members are not restored: they find out through UNKNOWN_MEMBER_ID and rejoin,
            // into a generation above every one handed out before.
            entry.group.restore(value.generation, value.protocol_type,
                                value.protocol_name.value_or(""));
            if (value.state_timestamp_ms >= 0) entry.empty_since_ms = value.state_timestamp_ms;
        }
        ++it;
    }
    return table;
}

void GroupCoordinator::apply_loaded(const log::Record& record, GroupTable& table,
                                    LoadedMetadata& metadata) {
    if (!record.key) return;
    Result<OffsetsRecordKey> key = decode_key(*record.key);
    if (!key) {
        log_.warn("{}: skipping a record: {}", kOffsetsTopic, key.error().describe());
        return;
    }
    if (const auto* offset_key = std::get_if<OffsetKey>(&*key)) {
        TopicPartitionKey where{offset_key->topic, offset_key->partition};
        if (!record.value) {
            auto found = table.find(offset_key->group);
            if (found != table.end()) found->second->offsets.erase(where);
            return;
        }
        Result<CommittedOffset> value = decode_offset_value(*record.value);
        if (!value) {
            log_.warn("{}: skipping an offset: {}", kOffsetsTopic, value.error().describe());
            return;
        }
        std::shared_ptr<Entry> entry = find_or_create_in(table, offset_key->group);
        // Planted bug forget-committed-offset: the rebuild keeps a partition's first commit
        // instead of its last, so after a restart OffsetFetch answers an older offset.
        if (planted(PlantedBug::forget_committed_offset) && entry->offsets.contains(where)) return;
        entry->offsets[where] = *value;
        return;
    }
    const std::string& group_id = std::get<GroupKey>(*key).group;
    if (!record.value) {
        metadata[group_id] = std::nullopt;
        table.erase(group_id);  // deleted: its offsets were tombstoned before it
        return;
    }
    Result<GroupMetadata> value = decode_group_value(*record.value);
    if (!value) {
        log_.warn("{}: skipping group {}: {}", kOffsetsTopic, group_id, value.error().describe());
        return;
    }
    find_or_create_in(table, group_id);
    metadata[group_id] = std::move(*value);
}

void GroupCoordinator::install(GroupTable table) {
    groups_.merge(table);
    // While a partition is not loaded, no request can create one of its groups.
    ASSERT(table.empty(), "group {} is already loaded", table.begin()->first);
}

std::size_t GroupCoordinator::offset_count(const GroupTable& table) {
    std::size_t offsets = 0;
    for (const auto& [id, entry] : table) offsets += entry->offsets.size();
    return offsets;
}

Result<void> GroupCoordinator::load() {
    ASSERT(!loaded_);
    if (!config_.placed_by_partition_leaders && offsets_.exists()) {
        ASSERT(groups_.empty());
        for (int32_t p = 0; p < offsets_.partition_count(); ++p) {
            TRY_ASSIGN(GroupTable table, load_partition(PartitionId(p)));  // May suspend.
            install(std::move(table));
        }
    }
    log_.info("loaded {} groups and {} committed offsets", groups_.size(), offset_count(groups_));
    loaded_ = true;
    next_retention_check_ = env_.clock.now() + config_.retention_check_interval;
    return {};
}

void GroupCoordinator::run_timers() {
    while (!stopping_) {
        Instant next = kNever;
        for (const auto& [id, entry] : groups_) next = std::min(next, entry->group.next_deadline());
        timers_changed_.wait(next);  // May suspend.
        if (stopping_) return;
        Instant now = env_.clock.now();
        std::vector<std::string> due;
        for (const auto& [id, entry] : groups_) {
            if (entry->group.next_deadline() <= now) due.push_back(id);
        }
        for (const std::string& id : due) {
            std::shared_ptr<Entry> entry = find(id);  // re-check: after_change suspends
            if (!entry) continue;
            entry->group.advance(env_.clock.now());
            (void)after_change(id, *entry);  // May suspend.
        }
    }
}

void GroupCoordinator::stop() {
    stopping_ = true;
    for (auto& [id, entry] : groups_) {
        entry->group.fail_all_parked(KafkaError::coordinator_not_available);
        deliver(entry->group.take_completions());
    }
    timers_changed_.notify_all();
}

void GroupCoordinator::tick() {
    if (!loaded_ || stopping_ || !offsets_.exists()) return;
    if (env_.clock.now() >= next_retention_check_) {
        next_retention_check_ = env_.clock.now() + config_.retention_check_interval;
        expire_offsets();  // May suspend.
    }
    bound_offsets_log();  // May suspend.
}

// Kafka's rule (KIP-211): offsets live as long as the group has members; once it is Empty,
// they expire `offsets.retention.minutes` after the later of their commit and the group
// becoming Empty. A group left with neither members nor offsets is deleted.
void GroupCoordinator::expire_offsets() {
    int64_t now_ms = wall_ms(env_.clock.wall_now());
    int64_t retention_ms = to_ms(config_.offsets_retention);
    std::vector<std::string> ids;
    for (const auto& [id, entry] : groups_) ids.push_back(id);
    for (const std::string& id : ids) {
        std::shared_ptr<Entry> entry = find(id);
        if (!entry || entry->group.state() != GroupState::empty) continue;
        std::vector<log::Record> tombstones;
        std::vector<TopicPartitionKey> expired;
        for (const auto& [where, value] : entry->offsets) {
            if (std::max(value.commit_timestamp_ms, entry->empty_since_ms) + retention_ms <=
                now_ms) {
                tombstones.push_back(
                    {encode_offset_key({id, where.topic, where.partition}), std::nullopt, {}, 0});
                expired.push_back(where);
            }
        }
        bool drop_group = expired.size() == entry->offsets.size();
        if (drop_group) tombstones.push_back({encode_group_key({id}), std::nullopt, {}, 0});
        if (tombstones.empty()) continue;
        Result<void> stored = store(id, tombstones, [&] {
            for (const TopicPartitionKey& where : expired) entry->offsets.erase(where);
            if (drop_group) groups_.erase(id);
        });  // May suspend.
        if (!stored) {
            log_.warn("group {}: expiring offsets: {}", id, stored.error().describe());
            continue;
        }
        log_.info("group {}: {} offsets expired{}", id, expired.size(),
                  drop_group ? ", group removed" : "");
    }
}

// A partition is rewritten when it exceeds the threshold and holds more than twice its live
// state: the live records are written again into a fresh segment and everything older goes.
// So a partition never stays above max(threshold, 2 x live) for longer than one tick (live as
// last measured: the live state is measured again only once the partition outgrew that).
void GroupCoordinator::bound_offsets_log() {
    for (PartitionId partition : loaded_partitions()) {
        // A rewrite suspends: the partition may have been resigned since the list was made.
        std::optional<uint64_t> term = loaded_term(partition);
        if (!term) continue;
        uint64_t size = offsets_.size_bytes(partition);
        uint64_t& floor = rewrite_floor_bytes_[partition.value()];
        if (size <= std::max(floor, config_.rewrite_threshold_bytes)) continue;
        uint64_t live = 0;
        for (const log::Record& record : live_records(partition)) {
            live += record.key->size() + (record.value ? record.value->size() : 0) + 32;
        }
        floor = 2 * live;
        if (size <= 2 * live) continue;
        Result<void> rewritten = offsets_.rewrite(partition, [&] {
            // Called before rewrite() first suspends, so the partition is still loaded: a
            // snapshot of a resigned partition's (dropped) state would lose every offset.
            ASSERT(loaded_term(partition) == term, "{}-{} was resigned before its rewrite",
                   kOffsetsTopic, partition);
            return live_records(partition);
        });  // May suspend.
        if (!rewritten) {
            log_.warn("rewriting {}-{}: {}", kOffsetsTopic, partition,
                      rewritten.error().describe());
            continue;
        }
        log_.info("rewrote {}-{}: {} bytes down to {}", kOffsetsTopic, partition, size,
                  offsets_.size_bytes(partition));
    }
}

KafkaError GroupCoordinator::delete_group(const std::string& group_id) {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return error;
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) return KafkaError::group_id_not_found;
    if (entry->group.state() != GroupState::empty) return KafkaError::non_empty_group;
    std::vector<log::Record> tombstones;
    for (const auto& [where, value] : entry->offsets) {
        tombstones.push_back(
            {encode_offset_key({group_id, where.topic, where.partition}), std::nullopt, {}, 0});
    }
    tombstones.push_back({encode_group_key({group_id}), std::nullopt, {}, 0});
    Result<void> stored = store(group_id, tombstones, [&] {
        KafkaError dead = entry->group.mark_dead();
        ASSERT(dead == KafkaError::none);
        groups_.erase(group_id);
    });  // May suspend.
    if (!stored) {
        log_.warn("group {}: deleting: {}", group_id, stored.error().describe());
        return storage_failure(stored.error());
    }
    return KafkaError::none;
}

std::pair<KafkaError, std::vector<KafkaError>> GroupCoordinator::delete_offsets(
    const std::string& group_id, const std::vector<TopicPartitionKey>& partitions) {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return {error, {}};
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) return {KafkaError::group_id_not_found, {}};
    const Group& group = entry->group;
    // An active consumer group keeps the offsets of topics it subscribes to.
    std::vector<std::string> subscribed;
    if (group.state() != GroupState::empty && group.protocol_type() == "consumer") {
        for (const auto& [id, member] : group.members()) {
            for (const Protocol& protocol : member.protocols) {
                if (protocol.name != group.protocol_name()) continue;
                // Undecodable metadata protects nothing (Kafka reads it the same way).
                Result<protocol::Subscription> subscription =
                    protocol::decode_subscription(protocol.metadata);
                if (!subscription) continue;
                for (std::string& topic : subscription->topics) {
                    subscribed.push_back(std::move(topic));
                }
            }
        }
    } else if (group.state() != GroupState::empty) {
        return {KafkaError::non_empty_group, {}};
    }
    std::vector<KafkaError> results;
    std::vector<log::Record> tombstones;
    std::vector<TopicPartitionKey> removed;
    for (const TopicPartitionKey& where : partitions) {
        if (std::find(subscribed.begin(), subscribed.end(), where.topic) != subscribed.end()) {
            results.push_back(KafkaError::group_subscribed_to_topic);
            continue;
        }
        results.push_back(KafkaError::none);
        if (!entry->offsets.contains(where)) continue;
        tombstones.push_back(
            {encode_offset_key({group_id, where.topic, where.partition}), std::nullopt, {}, 0});
        removed.push_back(where);
    }
    if (tombstones.empty()) return {KafkaError::none, results};
    Result<void> stored = store(group_id, tombstones, [&] {
        for (const TopicPartitionKey& where : removed) entry->offsets.erase(where);
    });  // May suspend.
    if (!stored) {
        log_.warn("group {}: deleting offsets: {}", group_id, stored.error().describe());
        return {storage_failure(stored.error()), {}};
    }
    return {KafkaError::none, results};
}

}  // namespace brook::group
