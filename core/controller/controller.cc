#include "core/controller/controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/base/check.h"
#include "core/controller/partition_election.h"
#include "core/controller/pending_records.h"

namespace brook::controller {

using metadata::BrokerRegistration;
using metadata::BrokerRegistrationChangeRecord;
using metadata::FencingChange;
using metadata::kNoLeader;
using metadata::MetadataImage;
using metadata::PartitionChangeRecord;
using metadata::ShutdownChange;

Controller::Controller(ControllerOptions options) : Controller(options, MetadataImage()) {}

Controller::Controller(ControllerOptions options, MetadataImage image)
    : options_(options), image_(std::move(image)) {
    ASSERT(options_.broker_session_timeout_ms > 0, "session timeout {}",
           options_.broker_session_timeout_ms);
}

Result<void> Controller::replay(const std::vector<MetadataRecord>& records, Offset offset) {
    for (const MetadataRecord& record : records) {
        if (awaiting_replay_.empty()) break;
        ASSERT(awaiting_replay_.front() == record,
               "replayed a {} at offset {} while the controller's own {} waits for replay",
               metadata::record_name(record), offset,
               metadata::record_name(awaiting_replay_.front()));
        awaiting_replay_.pop_front();
    }
    auto applied = image_.apply_command(records, offset);
    if (!applied) return applied;
    for (const MetadataRecord& record : records) {
        if (const auto* gone = std::get_if<metadata::UnregisterBrokerRecord>(&record)) {
            last_contact_ms_.erase(gone->broker_id);
        }
    }
    return applied;
}

std::vector<MetadataRecord> Controller::bootstrap() const {
    if (image_.metadata_version()) return {};
    return {metadata::FeatureLevelRecord{std::string(metadata::kMetadataVersionFeature),
                                         kMetadataVersionLevel}};
}

PendingRecords Controller::begin() const {
    ASSERT(awaiting_replay_.empty(),
           "a command before the {} records of the previous one were replayed",
           awaiting_replay_.size());
    return PendingRecords(image_);
}

std::vector<MetadataRecord> Controller::finish(PendingRecords&& pending) {
    if (options_.planted_bug == ControllerPlantedBug::none) check_invariants(pending.image());
    std::vector<MetadataRecord> records = std::move(pending).take();
    // The records share one entry, hence one offset: two registrations would share an epoch.
    ASSERT(std::count_if(records.begin(), records.end(),
                         [](const MetadataRecord& record) {
                             return std::holds_alternative<metadata::RegisterBrokerRecord>(record);
                         }) <= 1,
           "a command registering more than one broker");
    awaiting_replay_.insert(awaiting_replay_.end(), records.begin(), records.end());
    return records;
}

void Controller::check_invariants(const MetadataImage& after) const {
    // What this command changed: a partition it wrote, or one whose leader's registration it
    // wrote. The rest is the log's as it was, which may be foreign and is the image's to judge.
    auto same_broker = [&](NodeId id) {
        const BrokerRegistration* before = image_.broker(id);
        const BrokerRegistration* now = after.broker(id);
        return before == now || (before != nullptr && now != nullptr && *before == *now);
    };
    for (const auto& [topic_id, topic] : after.topics()) {
        for (const auto& [id, partition] : topic.partitions) {
            const metadata::PartitionState* before = image_.partition(topic_id, id);
            if (before != nullptr && *before == partition && same_broker(partition.leader)) {
                continue;
            }
            auto problem = metadata::partition_state_problem(partition);
            ASSERT(!problem, "{}-{}: {}", topic.name, id, problem.value_or(""));
            if (partition.leader != kNoLeader) {
                const BrokerRegistration* leader = after.broker(partition.leader);
                ASSERT(leader != nullptr && leader->active(), "{}-{} led by {}, which may not lead",
                       topic.name, id, partition.leader);
            }
            if (before != nullptr) {
                ASSERT(partition.leader_epoch >= before->leader_epoch &&
                           partition.partition_epoch >= before->partition_epoch,
                       "{}-{}: epochs went back", topic.name, id);
            }
        }
    }
}

// ---- brokers ----

void Controller::remove_from_partitions(PendingRecords& pending, NodeId broker) const {
    // Decided over the image as it is now, then emitted: emitting changes the image.
    std::vector<PartitionChangeRecord> changes;
    for (const auto& [topic_id, topic] : pending.image().topics()) {
        for (const auto& [id, partition] : topic.partitions) {
            auto change = change_removing_broker(
                topic_id, id, partition, broker,
                [&](NodeId candidate) { return pending.may_lead(candidate); },
                options_.planted_bug);
            if (change) changes.push_back(std::move(*change));
        }
    }
    for (PartitionChangeRecord& change : changes) pending.emit(std::move(change));
}

void Controller::fence(PendingRecords& pending, NodeId broker) const {
    remove_from_partitions(pending, broker);
    const BrokerRegistration* registration = pending.image().broker(broker);
    ASSERT(registration != nullptr, "fencing unregistered broker {}", broker);
    pending.emit(
        BrokerRegistrationChangeRecord{broker, registration->epoch, FencingChange::fenced});
}

void Controller::elect_leaderless(PendingRecords& pending) const {
    std::vector<PartitionChangeRecord> changes;
    for (const auto& [topic_id, topic] : pending.image().topics()) {
        for (const auto& [id, partition] : topic.partitions) {
            auto change = change_electing_leader(
                topic_id, id, partition,
                [&](NodeId candidate) { return pending.may_lead(candidate); },
                options_.planted_bug);
            if (change) changes.push_back(std::move(*change));
        }
    }
    for (PartitionChangeRecord& change : changes) pending.emit(std::move(change));
}

bool Controller::session_expired(NodeId broker, int64_t now_ms) const {
    auto contact = last_contact_ms_.find(broker);
    // No contact yet under this leader: the session starts at the next tick.
    if (contact == last_contact_ms_.end()) return false;
    return now_ms - contact->second > options_.broker_session_timeout_ms;
}

ControllerResult<RegisterBrokerReply> Controller::register_broker(
    const RegisterBrokerCommand& command, Offset next_offset, int64_t now_ms) {
    PendingRecords pending = begin();
    if (command.broker_id.value() < 0) return {{KafkaError::invalid_request}, {}};
    // Kafka's processRegistrationFeature: a broker that cannot read a finalized level of a
    // feature it names may not join.
    for (const metadata::BrokerFeature& feature : command.features) {
        auto finalized = image_.features().find(feature.name);
        if (finalized != image_.features().end() &&
            (finalized->second < feature.min_supported_version ||
             finalized->second > feature.max_supported_version)) {
            return {{KafkaError::unsupported_version}, {}};
        }
    }
    const BrokerRegistration* existing = image_.broker(command.broker_id);
    if (existing != nullptr && existing->incarnation_id != command.incarnation_id &&
        !session_expired(command.broker_id, now_ms)) {
        return {{KafkaError::duplicate_broker_registration}, {}};
    }
    // A restart before the old session was fenced: the old incarnation's leaderships go first.
    if (existing != nullptr && !existing->fenced) {
        remove_from_partitions(pending, command.broker_id);
    }
    // The command's records share one entry at next_offset (ActiveController::execute).
    BrokerEpoch epoch(next_offset.value());
    pending.emit(metadata::RegisterBrokerRecord{command.broker_id, command.incarnation_id, epoch,
                                                command.listeners, command.features, command.rack,
                                                /*fenced=*/true,
                                                /*in_controlled_shutdown=*/false});
    last_contact_ms_[command.broker_id] = now_ms;
    return {{KafkaError::none, epoch}, finish(std::move(pending))};
}

namespace {

bool leads_anything(const MetadataImage& image, NodeId broker) {
    for (const auto& [topic_id, topic] : image.topics()) {
        for (const auto& [id, partition] : topic.partitions) {
            if (partition.leader == broker) return true;
        }
    }
    return false;
}

}  // namespace

ControllerResult<HeartbeatReply> Controller::heartbeat(const HeartbeatCommand& command,
                                                       int64_t now_ms) {
    PendingRecords pending = begin();
    const BrokerRegistration* broker = image_.broker(command.broker_id);
    // Kafka's checkBrokerEpoch: no registration is a stale epoch too.
    if (broker == nullptr || broker->epoch != command.broker_epoch) {
        return {{KafkaError::stale_broker_epoch}, {}};
    }
    last_contact_ms_[command.broker_id] = now_ms;
    HeartbeatReply reply;
    // Caught up once the broker has applied its own registration (Kafka's BrokerHeartbeatManager).
    reply.is_caught_up = command.current_metadata_offset.value() >= broker->epoch.value();
    const NodeId id = command.broker_id;
    const BrokerEpoch epoch = broker->epoch;
    if (broker->fenced) {
        if (command.want_shutdown) {
            reply.should_shut_down = true;
        } else if (!command.want_fence && reply.is_caught_up && !broker->in_controlled_shutdown) {
            pending.emit(BrokerRegistrationChangeRecord{id, epoch, FencingChange::unfenced});
            elect_leaderless(pending);
        }
    } else if (broker->in_controlled_shutdown) {
        // Its leaderships were moved when it entered controlled shutdown; once it leads nothing
        // it may stop, and is fenced (Kafka's SHUTDOWN_NOW).
        if (!leads_anything(pending.image(), id)) {
            fence(pending, id);
            reply.should_shut_down = true;
        }
    } else if (command.want_fence) {
        fence(pending, id);
    } else if (command.want_shutdown) {
        pending.emit(BrokerRegistrationChangeRecord{id, epoch, FencingChange::none,
                                                    ShutdownChange::in_controlled_shutdown});
        remove_from_partitions(pending, id);
    }
    reply.is_fenced = pending.image().broker(id)->fenced;
    return {reply, finish(std::move(pending))};
}

std::vector<MetadataRecord> Controller::tick(int64_t now_ms) {
    PendingRecords pending = begin();
    for (const auto& [id, broker] : image_.brokers()) {
        last_contact_ms_.try_emplace(id, now_ms);
        if (!broker.fenced && session_expired(id, now_ms)) fence(pending, id);
    }
    return finish(std::move(pending));
}

ControllerResult<KafkaError> Controller::unregister_broker(const UnregisterBrokerCommand& command) {
    PendingRecords pending = begin();
    const BrokerRegistration* broker = image_.broker(command.broker_id);
    if (broker == nullptr) return {KafkaError::broker_id_not_registered, {}};
    remove_from_partitions(pending, command.broker_id);
    pending.emit(metadata::UnregisterBrokerRecord{command.broker_id, broker->epoch});
    return {KafkaError::none, finish(std::move(pending))};
}

}  // namespace brook::controller
