#include "core/client/offset_calls.h"

#include <set>

namespace brook::client {

using protocol::kafka_error_from_wire;

namespace {

bool coordinator_moved(KafkaError error) {
    return error == KafkaError::not_coordinator || error == KafkaError::coordinator_not_available ||
           error == KafkaError::coordinator_load_in_progress;
}

// Waits out retry.backoff.ms when the deadline leaves room for another attempt. May suspend.
bool back_off(Cluster& cluster, Instant deadline) {
    Instant resume = cluster.env().clock.now() + cluster.config().retry_backoff;
    if (resume >= deadline) return false;
    cluster.env().clock.sleep_until(resume);
    return true;
}

}  // namespace

Result<std::vector<ListedOffset>> list_offsets(Cluster& cluster,
                                               const std::map<TopicPartition, int64_t>& query,
                                               Instant deadline) {
    std::map<TopicPartition, ListedOffset> answers;
    std::map<TopicPartition, int64_t> left = query;
    while (!left.empty()) {
        // One request per leader for what is still unanswered.
        std::map<NodeId, std::vector<TopicPartition>> by_leader;
        std::optional<Error> failure;
        for (const auto& [tp, timestamp] : left) {
            auto link = cluster.leader_link(tp, deadline);  // May suspend.
            if (!link) {
                if (link.error().code() == ErrorCode::invalid_argument ||
                    link.error().code() == ErrorCode::not_found) {
                    answers[tp] = ListedOffset{tp, KafkaError::unknown_topic_or_partition};
                } else {
                    failure = link.error();
                }
                continue;
            }
            by_leader[(*link)->node()].push_back(tp);
        }
        for (const auto& [tp, answer] : answers) left.erase(tp);
        for (const auto& [node, partitions] : by_leader) {
            auto link = cluster.link(node, deadline);  // May suspend.
            if (!link) {
                failure = link.error();
                continue;
            }
            protocol::ListOffsetsRequest request;
            request.replica_id = -1;
            // Answers from an earlier leader's response may have covered some of these already.
            std::set<TopicPartition> asked;
            for (const TopicPartition& tp : partitions) {
                if (!left.contains(tp)) continue;
                asked.insert(tp);
                if (request.topics.empty() || request.topics.back().name != tp.topic) {
                    request.topics.emplace_back().name = tp.topic;
                }
                auto& partition = request.topics.back().partitions.emplace_back();
                partition.partition_index = tp.partition.value();
                partition.timestamp = left.at(tp);
            }
            if (asked.empty()) continue;
            auto response = (*link)->call<protocol::ListOffsetsResponse>(
                request, std::min(deadline, cluster.request_deadline()));  // May suspend.
            if (!response) {
                failure = response.error().wrap("ListOffsets");
                cluster.invalidate();
                continue;
            }
            for (const auto& topic : response->topics) {
                for (const auto& partition : topic.partitions) {
                    TopicPartition tp{topic.name, PartitionId(partition.partition_index)};
                    // Only what was asked of this broker: a peer's answer for anything else
                    // (or a partition twice) is ignored, never trusted.
                    if (!asked.contains(tp) || !left.contains(tp)) continue;
                    KafkaError error = kafka_error_from_wire(partition.error_code);
                    if (means_stale_metadata(error) || is_retriable(error)) {
                        cluster.invalidate();
                        failure = kafka_failure((*link)->describe() + ": " + tp.to_string(), error);
                        continue;
                    }
                    answers[tp] =
                        ListedOffset{tp, error, Offset(partition.offset), partition.timestamp};
                    left.erase(tp);
                }
            }
        }
        if (left.empty()) break;
        if (!back_off(cluster, deadline)) {
            return failure
                       ? failure->wrap("ListOffsets")
                       : Error(ErrorCode::timeout, "ListOffsets: no answer before the deadline");
        }
    }
    std::vector<ListedOffset> ordered;
    for (const auto& [tp, timestamp] : query) ordered.push_back(answers.at(tp));
    return ordered;
}

Result<std::map<TopicPartition, KafkaError>> commit_offsets(
    Cluster& cluster, const std::string& group_id, const GroupGeneration& generation,
    const std::map<TopicPartition, Offset>& offsets, Instant deadline) {
    protocol::OffsetCommitRequest request;
    request.group_id = group_id;
    request.generation_id_or_member_epoch = generation.generation_id;
    request.member_id = generation.member_id;
    request.group_instance_id = generation.group_instance_id;
    for (const auto& [tp, offset] : offsets) {
        if (request.topics.empty() || request.topics.back().name != tp.topic) {
            request.topics.emplace_back().name = tp.topic;
        }
        auto& partition = request.topics.back().partitions.emplace_back();
        partition.partition_index = tp.partition.value();
        partition.committed_offset = offset.value();
        partition.committed_metadata = "";
    }
    while (true) {
        TRY_ASSIGN(auto link, cluster.coordinator_link(group_id, deadline));  // May suspend.
        auto response = link->call<protocol::OffsetCommitResponse>(
            request, std::min(deadline, cluster.request_deadline()));  // May suspend.
        if (!response) {
            cluster.forget_coordinator(group_id);
            return response.error().wrap("group " + group_id + ": OffsetCommit");
        }
        std::map<TopicPartition, KafkaError> results;
        bool retry = false;
        for (const auto& topic : response->topics) {
            for (const auto& partition : topic.partitions) {
                KafkaError error = kafka_error_from_wire(partition.error_code);
                retry = retry || coordinator_moved(error);
                results[{topic.name, PartitionId(partition.partition_index)}] = error;
            }
        }
        if (!retry) return results;
        cluster.forget_coordinator(group_id);
        if (!back_off(cluster, deadline)) return results;  // May suspend.
    }
}

Result<GroupOffsets> fetch_committed(Cluster& cluster, const std::string& group_id,
                                     const std::optional<std::vector<TopicPartition>>& partitions,
                                     Instant deadline) {
    protocol::OffsetFetchRequest request;
    request.group_id = group_id;
    if (partitions) {
        request.topics.emplace();
        for (const TopicPartition& tp : *partitions) {
            if (request.topics->empty() || request.topics->back().name != tp.topic) {
                request.topics->emplace_back().name = tp.topic;
            }
            request.topics->back().partition_indexes.push_back(tp.partition.value());
        }
    } else {
        request.topics = std::nullopt;
    }
    while (true) {
        TRY_ASSIGN(auto link, cluster.coordinator_link(group_id, deadline));  // May suspend.
        if (!partitions && link->version(protocol::ApiKey::offset_fetch).value_or(0) < 2) {
            return Error(ErrorCode::unsupported,
                         link->describe() + ": OffsetFetch of all partitions needs v2");
        }
        auto response = link->call<protocol::OffsetFetchResponse>(
            request, std::min(deadline, cluster.request_deadline()));  // May suspend.
        if (!response) {
            cluster.forget_coordinator(group_id);
            return response.error().wrap("group " + group_id + ": OffsetFetch");
        }
        GroupOffsets result;
        result.group_id = group_id;
        result.error = kafka_error_from_wire(response->error_code);
        bool retry = coordinator_moved(result.error);
        for (const auto& topic : response->topics) {
            for (const auto& partition : topic.partitions) {
                CommittedOffset committed;
                committed.offset = Offset(partition.committed_offset);
                committed.metadata = partition.metadata;
                committed.error = kafka_error_from_wire(partition.error_code);
                retry = retry || coordinator_moved(committed.error);
                result.offsets[{topic.name, PartitionId(partition.partition_index)}] = committed;
            }
        }
        if (!retry) return result;
        cluster.forget_coordinator(group_id);
        if (!back_off(cluster, deadline)) return result;  // May suspend.
    }
}

}  // namespace brook::client
