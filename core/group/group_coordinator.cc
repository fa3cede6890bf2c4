// The request side of the coordinator: joins, syncs, heartbeats, leaves, commits and queries.
// Storage (load, retention, the bounding rewrite) is in group_coordinator_storage.cc.
#include "core/group/group_coordinator.h"

#include "core/base/check.h"

namespace brook::group {

namespace {

// A parked request waits at most this long past its rebalance timeout; the Group answers it
// well before (at the rebalance deadline), so this only bounds a fiber against a bug.
constexpr Duration kParkSlack = seconds(60);

}  // namespace

GroupCoordinator::GroupCoordinator(Environment& env, CoordinatorConfig config,
                                   cluster::TopicManager& topics)
    : env_(env),
      config_(config),
      log_(env.log_sink, "group"),
      offsets_(env, topics, config.offsets_partitions),
      delivered_(env.scheduler),
      timers_changed_(env.scheduler) {}

GroupCoordinator::~GroupCoordinator() = default;

KafkaError GroupCoordinator::storage_failure(const Error& error) {
    switch (error.code()) {
        case ErrorCode::io_error:
        case ErrorCode::not_found:  // the partition is not (or no longer) led here
            return KafkaError::not_coordinator;
        case ErrorCode::too_large:
            return KafkaError::invalid_commit_offset_size;
        default:
            return KafkaError::coordinator_not_available;
    }
}

std::shared_ptr<GroupCoordinator::Entry> GroupCoordinator::find(const std::string& group_id) const {
    auto found = groups_.find(group_id);
    return found == groups_.end() ? nullptr : found->second;
}

std::shared_ptr<GroupCoordinator::Entry> GroupCoordinator::find_or_create(
    const std::string& group_id) {
    return find_or_create_in(groups_, group_id);
}

std::shared_ptr<GroupCoordinator::Entry> GroupCoordinator::find_or_create_in(
    GroupTable& table, const std::string& group_id) {
    auto found = table.find(group_id);
    if (found != table.end()) return found->second;
    auto entry = std::make_shared<Entry>(Group(group_id, config_.limits));
    entry->empty_since_ms = wall_ms(env_.clock.wall_now());
    table.emplace(group_id, entry);
    return entry;
}

const Group* GroupCoordinator::find_group(const std::string& group_id) const {
    std::shared_ptr<Entry> entry = find(group_id);
    return entry ? &entry->group : nullptr;
}

PartitionId GroupCoordinator::partition_of(const std::string& group_id) const {
    return offsets_partition_for(group_id, offsets_.partition_count());
}

// Kafka's shape: the client id, a dash, and a random UUID.
std::string GroupCoordinator::new_member_id(const std::string& client_id) {
    uint64_t high = env_.random.next();
    uint64_t low = env_.random.next();
    return fmt::format("{}-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", client_id, high >> 32,
                       (high >> 16) & 0xffff, high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

void GroupCoordinator::deliver(std::vector<Completion> completions) {
    if (completions.empty()) return;
    for (Completion& done : completions) {
        auto slot = parked_.find(done.ticket);
        // A fiber that gave up waiting has erased its slot; the answer has nobody to go to.
        if (slot != parked_.end()) slot->second = std::move(done);
    }
    delivered_.notify_all();
}

Completion GroupCoordinator::wait_for(uint64_t ticket, Instant deadline) {
    while (!parked_.at(ticket).has_value()) {
        if (!delivered_.wait(deadline) && !parked_.at(ticket).has_value()) {  // May suspend.
            parked_.erase(ticket);
            Completion timed_out{ticket, JoinResult{}, SyncResult{}};
            timed_out.join->error = KafkaError::rebalance_in_progress;
            timed_out.sync->error = KafkaError::rebalance_in_progress;
            return timed_out;
        }
    }
    Completion done = std::move(*parked_.at(ticket));
    parked_.erase(ticket);
    return done;
}

KafkaError GroupCoordinator::after_change(const std::string& group_id, Entry& entry) {
    std::vector<Completion> completions = entry.group.take_completions();
    timers_changed_.notify_all();
    KafkaError answer = KafkaError::none;
    if (entry.group.take_metadata_changed()) {
        if (entry.group.state() == GroupState::empty) {
            entry.empty_since_ms = wall_ms(env_.clock.wall_now());
        }
        std::optional<uint64_t> term = loaded_term(partition_of(group_id));
        // Answers wait for the group's record, as in Kafka: a leader told "synced" can count on
        // the generation having been written.
        Result<void> stored =
            store(group_id, {group_record(group_id, entry)}, [] {});  // May suspend.
        if (!stored) {
            log_.warn("group {}: storing generation {}: {}", group_id, entry.group.generation(),
                      stored.error().describe());
        }
        // Resigned during the write: no answer may speak of a generation this node no longer
        // coordinates; the members look the coordinator up again.
        if (loaded_term(partition_of(group_id)) != term) answer = KafkaError::not_coordinator;
    }
    if (answer != KafkaError::none) {
        for (Completion& done : completions) {
            if (done.join) {
                done.join = JoinResult{.error = answer, .member_id = done.join->member_id};
            }
            if (done.sync) done.sync = SyncResult{.error = answer};
        }
    }
    deliver(std::move(completions));
    return answer;
}

JoinResult GroupCoordinator::join(const std::string& group_id, JoinInput input) {
    auto fail = [&](KafkaError error) {
        JoinResult result;
        result.error = error;
        result.member_id = input.member_id;
        return result;
    };
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return fail(error);
    if (group_id.empty()) return fail(KafkaError::invalid_group_id);
    if (KafkaError error = ready_to_write(group_id); error != KafkaError::none) {  // May suspend.
        return fail(error);
    }
    std::shared_ptr<Entry> entry = find_or_create(group_id);
    input.fresh_member_id = new_member_id(input.client_id);
    uint64_t ticket = next_ticket_++;
    parked_.emplace(ticket, std::nullopt);
    Instant deadline = env_.clock.now() + input.rebalance_timeout + kParkSlack;
    JoinReply reply = entry->group.join(input, env_.clock.now(), ticket);
    KafkaError resigned = after_change(group_id, *entry);  // May suspend.
    if (!reply.parked()) {
        parked_.erase(ticket);
        return resigned == KafkaError::none ? *reply.now : fail(resigned);
    }
    Completion done = wait_for(ticket, deadline);  // May suspend.
    ASSERT(done.join.has_value());
    return *done.join;
}

SyncResult GroupCoordinator::sync(const std::string& group_id, const SyncInput& input) {
    auto fail = [](KafkaError error) {
        SyncResult result;
        result.error = error;
        return result;
    };
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return fail(error);
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) return fail(KafkaError::unknown_member_id);
    uint64_t ticket = next_ticket_++;
    parked_.emplace(ticket, std::nullopt);
    Duration rebalance_timeout{};
    if (const auto found = entry->group.members().find(input.member_id);
        found != entry->group.members().end()) {
        rebalance_timeout = found->second.rebalance_timeout;
    }
    Instant deadline = env_.clock.now() + rebalance_timeout + kParkSlack;
    SyncReply reply = entry->group.sync(input, ticket);
    KafkaError resigned = after_change(group_id, *entry);  // May suspend.
    if (!reply.parked()) {
        parked_.erase(ticket);
        return resigned == KafkaError::none ? *reply.now : fail(resigned);
    }
    Completion done = wait_for(ticket, deadline);  // May suspend.
    ASSERT(done.sync.has_value());
    return *done.sync;
}

KafkaError GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                       const std::optional<std::string>& group_instance_id,
                                       int32_t generation) {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return error;
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) return KafkaError::unknown_member_id;
    KafkaError error =
        entry->group.heartbeat(member_id, group_instance_id, generation, env_.clock.now());
    timers_changed_.notify_all();
    return error;
}

std::pair<KafkaError, std::vector<KafkaError>> GroupCoordinator::leave(
    const std::string& group_id, const std::vector<LeaveInput>& members) {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return {error, {}};
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) {
        return {KafkaError::none,
                std::vector<KafkaError>(members.size(), KafkaError::unknown_member_id)};
    }
    std::vector<KafkaError> results = entry->group.leave(members, env_.clock.now());
    KafkaError resigned = after_change(group_id, *entry);  // May suspend.
    if (resigned != KafkaError::none) return {resigned, {}};
    return {KafkaError::none, std::move(results)};
}

std::vector<KafkaError> GroupCoordinator::commit(const std::string& group_id,
                                                 const CommitInput& input) {
    std::vector<KafkaError> results(input.offsets.size(), KafkaError::none);
    auto all = [&](KafkaError error) {
        std::fill(results.begin(), results.end(), error);
        return results;
    };
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return all(error);
    if (group_id.empty()) return all(KafkaError::invalid_group_id);
    if (KafkaError error = ready_to_write(group_id); error != KafkaError::none) {  // May suspend.
        return all(error);
    }
    std::shared_ptr<Entry> entry = find(group_id);
    bool standalone = input.generation < 0 && input.member_id.empty();
    if (!entry && !standalone) return all(KafkaError::illegal_generation);
    if (!entry) entry = find_or_create(group_id);
    KafkaError allowed =
        entry->group.check_commit(input.member_id, input.group_instance_id, input.generation);
    if (allowed != KafkaError::none) return all(allowed);

    std::vector<log::Record> records;
    std::vector<std::size_t> accepted;
    int64_t now_ms = wall_ms(env_.clock.wall_now());
    for (std::size_t i = 0; i < input.offsets.size(); ++i) {
        const auto& [where, value] = input.offsets[i];
        if (value.metadata.size() > config_.metadata_bytes_max) {
            results[i] = KafkaError::offset_metadata_too_large;
            continue;
        }
        CommittedOffset stamped = value;
        stamped.commit_timestamp_ms = now_ms;
        records.push_back({encode_offset_key({group_id, where.topic, where.partition}),
                           encode_offset_value(stamped),
                           {},
                           now_ms});
        accepted.push_back(i);
    }
    if (records.empty()) return results;
    std::map<TopicPartitionKey, std::optional<CommittedOffset>> previous;
    std::map<TopicPartitionKey, CommittedOffset> written;
    Result<void> stored = store(group_id, records, [&] {
        for (std::size_t i : accepted) {
            const TopicPartitionKey& where = input.offsets[i].first;
            CommittedOffset stamped = input.offsets[i].second;
            stamped.commit_timestamp_ms = now_ms;
            auto old = entry->offsets.find(where);
            previous.emplace(where, old == entry->offsets.end()
                                        ? std::nullopt
                                        : std::optional<CommittedOffset>(old->second));
            written[where] = stamped;
            entry->offsets[where] = std::move(stamped);
        }
    });  // May suspend.
    if (!stored) {
        log_.warn("group {}: committing offsets: {}", group_id, stored.error().describe());
        for (std::size_t i : accepted) results[i] = storage_failure(stored.error());
        // A failed fsync takes the log offline, and its recovery keeps only what was synced:
        // forget the unacknowledged values too (unless a later commit replaced them), so
        // OffsetFetch never shows an offset a restart would take back.
        for (const auto& [where, value] : written) {
            auto now = entry->offsets.find(where);
            if (now == entry->offsets.end() || !(now->second == value)) continue;
            if (previous.at(where)) {
                now->second = *previous.at(where);
            } else {
                entry->offsets.erase(now);
            }
        }
    }
    return results;
}

KafkaError GroupCoordinator::committed(
    const std::string& group_id, const std::optional<std::vector<TopicPartitionKey>>& partitions,
    std::map<TopicPartitionKey, CommittedOffset>& out) const {
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) return error;
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) return KafkaError::none;  // no offsets: every partition answers -1
    if (!partitions) {
        out = entry->offsets;
        return KafkaError::none;
    }
    for (const TopicPartitionKey& key : *partitions) {
        auto found = entry->offsets.find(key);
        if (found != entry->offsets.end()) out.emplace(key, found->second);
    }
    return KafkaError::none;
}

GroupDescription GroupCoordinator::describe(const std::string& group_id) const {
    GroupDescription description;
    if (KafkaError error = not_ready(group_id); error != KafkaError::none) {
        description.error = error;
        return description;
    }
    std::shared_ptr<Entry> entry = find(group_id);
    if (!entry) {
        description.state = "Dead";  // Kafka's answer for a group it does not know
        return description;
    }
    const Group& group = entry->group;
    description.state = std::string(group_state_name(group.state()));
    description.protocol_type = group.protocol_type();
    bool assigned = group.state() == GroupState::stable;
    if (group.state() == GroupState::stable || group.state() == GroupState::completing_rebalance) {
        description.protocol_name = group.protocol_name();
    }
    for (const auto& [id, member] : group.members()) {
        DescribedMember& out = description.members.emplace_back();
        out.member_id = id;
        out.group_instance_id = member.group_instance_id;
        out.client_id = member.client_id;
        out.client_host = member.client_host;
        for (const Protocol& protocol : member.protocols) {
            if (protocol.name == group.protocol_name()) out.metadata = protocol.metadata;
        }
        if (assigned) out.assignment = member.assignment;
    }
    return description;
}

std::vector<ListedGroup> GroupCoordinator::list() const {
    std::vector<ListedGroup> listed;
    // Only loaded partitions' groups are in groups_: in KRaft mode, the ones this node owns.
    if (stopping_ || !loaded()) return listed;
    for (const auto& [id, entry] : groups_) {
        listed.push_back({id, entry->group.protocol_type(),
                          std::string(group_state_name(entry->group.state()))});
    }
    return listed;
}

}  // namespace brook::group
