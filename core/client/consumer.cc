#include "core/client/consumer.h"

#include <algorithm>

#include "core/log/record_batch_builder.h"

namespace brook::client {

namespace {

struct PartitionState {
    std::optional<Offset> position;
    std::optional<int64_t> reset_to;  // a pending seek: kEarliestTimestamp or kLatestTimestamp
    // After a fetch error that means the leader moved (NOT_LEADER_OR_FOLLOWER,
    // FENCED_LEADER_EPOCH, ...): no fetch before retry_at; failures sets the backoff (KIP-580).
    Instant retry_at{};
    uint32_t failures = 0;
};

std::vector<Header> to_headers(std::vector<log::RecordHeader> headers) {
    std::vector<Header> out;
    for (auto& header : headers) {
        out.push_back({std::string(header.key.begin(), header.key.end()), std::move(header.value)});
    }
    return out;
}

}  // namespace

struct Consumer::State {
    State(Environment& env, ConsumerConfig config, Cluster& cluster)
        : env(env), config(std::move(config)), cluster(cluster) {}

    Result<void> resolve_positions(Instant deadline);
    // One Fetch to `node`; the broker may hold it up to `wait` (at most fetch.max.wait.ms).
    Result<void> fetch_from(NodeId node, const std::vector<TopicPartition>& partitions,
                            Duration wait, Instant deadline);
    Result<void> take_records(const TopicPartition& tp, std::span<const uint8_t> records,
                              const std::string& broker);
    Result<void> on_partition_error(const TopicPartition& tp, KafkaError error,
                                    const std::string& broker);
    void drop_buffered(const TopicPartition& tp);
    LeaderEpoch leader_epoch_of(const TopicPartition& tp) const;

    Environment& env;
    ConsumerConfig config;
    Cluster& cluster;
    std::map<TopicPartition, PartitionState> assignment;  // "the current assignment"
    std::deque<ConsumerRecord> buffered;                  // fetched, not yet returned
    GroupGeneration generation;
    std::unique_ptr<GroupSubscription> group;  // subscribe mode
    bool closed = false;
    uint32_t poll_failures = 0;  // polls in a row that failed before any record came
    std::size_t fetch_rotation = 0;  // which leader poll() asks first
};

void Consumer::State::drop_buffered(const TopicPartition& tp) {
    std::erase_if(buffered, [&](const ConsumerRecord& record) {
        return record.topic == tp.topic && record.partition == tp.partition;
    });
}

Result<void> Consumer::State::resolve_positions(Instant deadline) {
    std::vector<TopicPartition> unknown;
    for (const auto& [tp, state] : assignment) {
        if (!state.position && !state.reset_to) unknown.push_back(tp);
    }
    if (!unknown.empty() && !config.group_id.empty()) {
        TRY_ASSIGN(GroupOffsets committed,
                   fetch_committed(cluster, config.group_id, unknown, deadline));
        for (const auto& [tp, offset] : committed.offsets) {
            auto at = assignment.find(tp);
            if (at != assignment.end() && offset.error == KafkaError::none &&
                offset.offset.value() >= 0) {
                at->second.position = offset.offset;
            }
        }
    }
    std::map<TopicPartition, int64_t> query;
    for (auto& [tp, state] : assignment) {
        if (state.position) continue;
        if (!state.reset_to) {
            switch (config.auto_offset_reset) {
                case OffsetReset::earliest:
                    state.reset_to = kEarliestTimestamp;
                    break;
                case OffsetReset::latest:
                    state.reset_to = kLatestTimestamp;
                    break;
                case OffsetReset::none:
                    return Error(
                        ErrorCode::out_of_range,
                        fmt::format("{}: no committed offset and auto.offset.reset is none",
                                    tp.to_string()));
            }
        }
        query[tp] = *state.reset_to;
    }
    if (query.empty()) return {};
    TRY_ASSIGN(std::vector<ListedOffset> listed, list_offsets(cluster, query, deadline));
    for (const ListedOffset& answer : listed) {
        auto at = assignment.find(answer.tp);
        if (at == assignment.end()) continue;  // unassigned meanwhile
        if (answer.error != KafkaError::none) {
            return kafka_failure(fmt::format("reset {}", answer.tp.to_string()), answer.error);
        }
        at->second.position = answer.offset;
        at->second.reset_to.reset();
    }
    return {};
}

Result<void> Consumer::State::on_partition_error(const TopicPartition& tp, KafkaError error,
                                                 const std::string& broker) {
    PartitionState& state = assignment.at(tp);
    if (error == KafkaError::offset_out_of_range) {
        std::string where = fmt::format("{}: {} at offset {}", broker, tp.to_string(),
                                        state.position ? state.position->value() : -1);
        if (config.auto_offset_reset == OffsetReset::none) {
            return kafka_failure(where, error);
        }
        cluster.log().info("{}: OFFSET_OUT_OF_RANGE, resetting", where);
        state.position.reset();
        state.reset_to = config.auto_offset_reset == OffsetReset::earliest ? kEarliestTimestamp
                                                                           : kLatestTimestamp;
        return {};
    }
    if (means_stale_metadata(error) || is_retriable(error)) {
        // The leader moved or is moving: fetch again from the same position, from whichever
        // broker fresh metadata names, after a backoff that grows while the error lasts.
        cluster.invalidate();
        state.retry_at = env.clock.now() + cluster.retry_backoff(state.failures++);
        cluster.log().debug("{}: fetch {}: {}, retrying from offset {}", broker, tp.to_string(),
                            protocol::kafka_error_name(error),
                            state.position ? state.position->value() : -1);
        return {};
    }
    return kafka_failure(fmt::format("{}: fetch {}", broker, tp.to_string()), error);
}

Result<void> Consumer::State::take_records(const TopicPartition& tp, std::span<const uint8_t> bytes,
                                           const std::string& broker) {
    PartitionState& state = assignment.at(tp);
    while (!bytes.empty()) {
        log::BatchCheck check = log::check_batch(bytes);
        if (check.problem == log::BatchProblem::truncated) break;  // the rest comes next fetch
        Offset at = *state.position;
        if (check.problem != log::BatchProblem::none) {
            return log::batch_error(check.problem, fmt::format("{}: {} fetched at offset {}",
                                                               broker, tp.to_string(), at.value()));
        }
        log::RecordBatchView batch(bytes.first(check.size));
        bytes = bytes.subspan(check.size);
        if (batch.next_offset() <= at) continue;  // wholly before the position
        if (batch.attributes() & log::kControlBit) {
            state.position = batch.next_offset();
            continue;
        }
        auto records = log::decode_records(batch);
        if (!records) {
            return records.error().wrap(fmt::format("{}: {} batch at offset {}", broker,
                                                    tp.to_string(), batch.base_offset().value()));
        }
        for (std::size_t i = 0; i < records->size(); ++i) {
            Offset offset = batch.base_offset() + static_cast<int64_t>(i);
            if (offset < at) continue;  // a fetch returns whole batches
            log::Record& record = (*records)[i];
            ConsumerRecord out;
            out.topic = tp.topic;
            out.partition = tp.partition;
            out.offset = offset;
            out.timestamp_type = batch.timestamp_type();
            out.timestamp_ms = out.timestamp_type == log::TimestampType::log_append_time
                                   ? batch.max_timestamp()
                                   : record.timestamp_ms;
            out.key = std::move(record.key);
            out.value = std::move(record.value);
            out.headers = to_headers(std::move(record.headers));
            buffered.push_back(std::move(out));
        }
        state.position = batch.next_offset();
    }
    return {};
}

LeaderEpoch Consumer::State::leader_epoch_of(const TopicPartition& tp) const {
    std::optional<TopicMetadata> topic = cluster.cached_topic(tp.topic);
    if (!topic || tp.partition.value() < 0 ||
        static_cast<std::size_t>(tp.partition.value()) >= topic->partitions.size()) {
        return LeaderEpoch(-1);  // unknown: the broker does not check
    }
    return topic->partitions[tp.partition.value()].leader_epoch;
}

Result<void> Consumer::State::fetch_from(NodeId node, const std::vector<TopicPartition>& partitions,
                                         Duration wait, Instant deadline) {
    TRY_ASSIGN(std::shared_ptr<BrokerLink> link, cluster.link(node, deadline));  // May suspend.
    protocol::FetchRequest request;
    wait = std::min<Duration>({wait, config.fetch_max_wait, deadline - env.clock.now()});
    request.max_wait_ms = static_cast<int32_t>(std::max<int64_t>(0, to_ms(wait)));
    request.min_bytes = config.fetch_min_bytes;
    request.max_bytes = config.fetch_max_bytes;
    request.isolation_level = 0;
    std::map<TopicPartition, Offset> asked;
    for (const TopicPartition& tp : partitions) {
        if (request.topics.empty() || request.topics.back().topic != tp.topic) {
            request.topics.emplace_back().topic = tp.topic;
        }
        auto& partition = request.topics.back().partitions.emplace_back();
        partition.partition = tp.partition.value();
        // The leader epoch the metadata named (KIP-320): a broker whose epoch differs answers
        // FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH instead of serving from a stale view.
        partition.current_leader_epoch = leader_epoch_of(tp).value();
        partition.fetch_offset = assignment.at(tp).position->value();
        partition.partition_max_bytes = config.max_partition_fetch_bytes;
        asked[tp] = *assignment.at(tp).position;
    }
    // The broker holds the request up to max_wait_ms: allow for it beyond request.timeout.ms.
    Instant call_deadline = cluster.request_deadline() + wait;
    TRY_ASSIGN(auto response,
               link->call<protocol::FetchResponse>(request, call_deadline));  // May suspend.
    KafkaError top = protocol::kafka_error_from_wire(response.error_code);
    if (top != KafkaError::none) return kafka_failure(link->describe() + ": Fetch", top);
    for (auto& topic : response.responses) {
        for (auto& partition : topic.partitions) {
            TopicPartition tp{topic.topic, PartitionId(partition.partition_index)};
            auto at = assignment.find(tp);
            auto was = asked.find(tp);
            // Unassigned or moved by a seek while the fetch was out: the answer is stale.
            if (at == assignment.end() || was == asked.end() ||
                at->second.position != was->second) {
                continue;
            }
            KafkaError error = protocol::kafka_error_from_wire(partition.error_code);
            if (error != KafkaError::none) {
                TRY(on_partition_error(tp, error, link->describe()));
                continue;
            }
            at->second.failures = 0;
            if (partition.records) TRY(take_records(tp, *partition.records, link->describe()));
        }
    }
    return {};
}

Consumer::Consumer(Environment& env, ConsumerConfig config) {
    cluster_ = std::make_unique<Cluster>(env, config.cluster);
    state_ = std::make_unique<State>(env, std::move(config), *cluster_);
}

Consumer::~Consumer() = default;

const ConsumerConfig& Consumer::config() const { return state_->config; }

void Consumer::assign(std::vector<TopicPartition> partitions) {
    std::map<TopicPartition, PartitionState> next;
    for (TopicPartition& tp : partitions) {
        auto kept = state_->assignment.find(tp);
        next[tp] = kept != state_->assignment.end() ? kept->second : PartitionState{};
    }
    for (const auto& [tp, state] : state_->assignment) {
        if (!next.contains(tp)) state_->drop_buffered(tp);
    }
    state_->assignment = std::move(next);
}

std::vector<TopicPartition> Consumer::assignment() const {
    std::vector<TopicPartition> out;
    for (const auto& [tp, state] : state_->assignment) out.push_back(tp);
    return out;
}

Result<void> Consumer::seek(const TopicPartition& tp, Offset offset) {
    auto at = state_->assignment.find(tp);
    if (at == state_->assignment.end()) {
        return Error(ErrorCode::invalid_argument, "seek: " + tp.to_string() + " is not assigned");
    }
    if (offset.value() < 0) {
        return Error(ErrorCode::invalid_argument, "seek: negative offset for " + tp.to_string());
    }
    at->second.position = offset;
    at->second.reset_to.reset();
    state_->drop_buffered(tp);
    return {};
}

namespace {

Result<void> seek_all(std::map<TopicPartition, PartitionState>& assignment,
                      const std::vector<TopicPartition>& partitions, int64_t reset_to,
                      const std::function<void(const TopicPartition&)>& drop) {
    for (const TopicPartition& tp : partitions) {
        if (!assignment.contains(tp)) {
            return Error(ErrorCode::invalid_argument,
                         "seek: " + tp.to_string() + " is not assigned");
        }
    }
    for (const TopicPartition& tp : partitions) {
        assignment[tp] = PartitionState{std::nullopt, reset_to};
        drop(tp);
    }
    return {};
}

}  // namespace

Result<void> Consumer::seek_to_beginning(const std::vector<TopicPartition>& partitions) {
    return seek_all(state_->assignment, partitions, kEarliestTimestamp,
                    [&](const TopicPartition& tp) { state_->drop_buffered(tp); });
}

Result<void> Consumer::seek_to_end(const std::vector<TopicPartition>& partitions) {
    return seek_all(state_->assignment, partitions, kLatestTimestamp,
                    [&](const TopicPartition& tp) { state_->drop_buffered(tp); });
}

Result<void> Consumer::seek_to_timestamp(const std::vector<TopicPartition>& partitions,
                                         int64_t timestamp_ms, Instant deadline) {
    std::map<TopicPartition, int64_t> query;
    for (const TopicPartition& tp : partitions) {
        if (!state_->assignment.contains(tp)) {
            return Error(ErrorCode::invalid_argument,
                         "seek: " + tp.to_string() + " is not assigned");
        }
        query[tp] = timestamp_ms;
    }
    TRY_ASSIGN(std::vector<ListedOffset> listed, list_offsets(*cluster_, query, deadline));
    for (const ListedOffset& answer : listed) {
        if (answer.error != KafkaError::none) {
            return kafka_failure("seek by time " + answer.tp.to_string(), answer.error);
        }
        auto at = state_->assignment.find(answer.tp);
        if (at == state_->assignment.end()) continue;
        // No record at or after the time: read from the end, as the Java client's
        // offsetsForTimes + seekToEnd would.
        at->second = answer.offset.value() >= 0 ? PartitionState{answer.offset, std::nullopt}
                                                : PartitionState{std::nullopt, kLatestTimestamp};
        state_->drop_buffered(answer.tp);
    }
    return {};
}

Result<Offset> Consumer::position(const TopicPartition& tp, Instant deadline) {
    auto at = state_->assignment.find(tp);
    if (at == state_->assignment.end()) {
        return Error(ErrorCode::invalid_argument,
                     "position: " + tp.to_string() + " is not assigned");
    }
    if (!at->second.position) TRY(state_->resolve_positions(deadline));  // May suspend.
    at = state_->assignment.find(tp);
    if (at == state_->assignment.end() || !at->second.position) {
        return Error(ErrorCode::timeout, "position: " + tp.to_string() + " has none yet");
    }
    // Records fetched but not yet returned lie before the position the user sees.
    for (const ConsumerRecord& record : state_->buffered) {
        if (record.topic == tp.topic && record.partition == tp.partition) return record.offset;
    }
    return *at->second.position;
}

Result<std::vector<ConsumerRecord>> Consumer::poll(Instant deadline) {
    State& state = *state_;
    if (state.closed) return Error(ErrorCode::shutting_down, "the consumer is closed");
    while (true) {
        if (state.group) {
            // The group first: a rebalance revokes (and commits) before any record goes out.
            if (auto ready = state.group->poll(deadline); !ready) {  // May suspend.
                if (state.group->member().state() == MemberState::fatal) return ready.error();
                cluster_->log().debug("poll: {}", ready.error().describe());
                if (state.env.clock.now() >= deadline) return std::vector<ConsumerRecord>{};
                state.env.clock.sleep_until(std::min(
                    deadline, state.env.clock.now() + cluster_->config().retry_backoff));
                continue;
            }
        }
        if (!state.buffered.empty()) {
            std::size_t count = std::min<std::size_t>(
                state.buffered.size(),
                static_cast<std::size_t>(std::max(1, state.config.max_poll_records)));
            std::vector<ConsumerRecord> out(
                std::make_move_iterator(state.buffered.begin()),
                std::make_move_iterator(state.buffered.begin() + count));
            state.buffered.erase(state.buffered.begin(), state.buffered.begin() + count);
            return out;
        }
        if (state.env.clock.now() >= deadline) return std::vector<ConsumerRecord>{};
        if (state.assignment.empty()) {
            state.env.clock.sleep_until(deadline);  // May suspend.
            continue;
        }
        std::optional<Error> failure;
        if (auto resolved = state.resolve_positions(deadline); !resolved) {  // May suspend.
            if (resolved.error().code() == ErrorCode::out_of_range) return resolved.error();
            failure = resolved.error();
        }
        // One Fetch per leader, for the partitions that have a position.
        std::map<NodeId, std::vector<TopicPartition>> by_leader;
        Instant backing_off_until = kNever;
        for (const auto& [tp, partition] : state.assignment) {
            if (!partition.position) continue;
            if (state.env.clock.now() < partition.retry_at) {
                backing_off_until = std::min(backing_off_until, partition.retry_at);
                continue;
            }
            auto link = cluster_->leader_link(tp, deadline);  // May suspend.
            if (!link) {
                failure = link.error();
                continue;
            }
            by_leader[(*link)->node()].push_back(tp);
        }
        // Leaders are asked one after another, so only the last asked may hold the fetch
        // (fetch.max.wait.ms): an idle leader asked first would delay the data of the others.
        // The first leader asked rotates from poll to poll, so each one's data comes in turn.
        std::vector<NodeId> order;
        for (const auto& [node, partitions] : by_leader) order.push_back(node);
        if (!order.empty()) {
            std::rotate(order.begin(), order.begin() + (state.fetch_rotation++ % order.size()),
                        order.end());
        }
        for (NodeId node : order) {
            Duration wait = node == order.back() ? state.config.fetch_max_wait : Duration{};
            auto fetched = state.fetch_from(node, by_leader[node], wait, deadline);  // May suspend.
            if (!fetched) {
                ErrorCode code = fetched.error().code();
                if (code == ErrorCode::corruption || code == ErrorCode::out_of_range ||
                    code == ErrorCode::unsupported) {
                    return fetched.error();
                }
                failure = fetched.error();
                cluster_->invalidate();
            }
            if (!state.buffered.empty()) break;
        }
        if (!state.buffered.empty()) {
            state.poll_failures = 0;
            continue;
        }
        if (failure) {
            cluster_->log().debug("poll: {}", failure->describe());
            Instant resume =
                state.env.clock.now() + cluster_->retry_backoff(state.poll_failures++);
            state.env.clock.sleep_until(std::min(resume, deadline));  // May suspend.
        } else if (by_leader.empty() && backing_off_until != kNever) {
            // Every fetchable partition waits out a leader change: sleep, do not spin.
            state.env.clock.sleep_until(std::min(backing_off_until, deadline));  // May suspend.
        }
    }
}

Result<void> Consumer::commit(const std::map<TopicPartition, Offset>& offsets, Instant deadline) {
    if (state_->config.group_id.empty()) {
        return Error(ErrorCode::invalid_argument, "commit needs a group.id");
    }
    TRY_ASSIGN(auto results, state_->group
                                 ? state_->group->commit(offsets, deadline)
                                 : commit_offsets(*cluster_, state_->config.group_id,
                                                  state_->generation, offsets, deadline));
    for (const auto& [tp, error] : results) {
        if (error != KafkaError::none) {
            return kafka_failure(
                fmt::format("group {}: commit {}", state_->config.group_id, tp.to_string()), error);
        }
    }
    return {};
}

Result<void> Consumer::commit(Instant deadline) {
    std::map<TopicPartition, Offset> offsets;
    for (const auto& [tp, partition] : state_->assignment) {
        if (!partition.position) continue;
        TRY_ASSIGN(offsets[tp], position(tp, deadline));
    }
    return commit(offsets, deadline);
}

Result<std::map<TopicPartition, std::optional<Offset>>> Consumer::committed(
    const std::vector<TopicPartition>& partitions, Instant deadline) {
    if (state_->config.group_id.empty()) {
        return Error(ErrorCode::invalid_argument, "committed needs a group.id");
    }
    TRY_ASSIGN(GroupOffsets fetched,
               fetch_committed(*cluster_, state_->config.group_id, partitions, deadline));
    if (fetched.error != KafkaError::none) {
        return kafka_failure("group " + state_->config.group_id + ": OffsetFetch", fetched.error);
    }
    std::map<TopicPartition, std::optional<Offset>> out;
    for (const TopicPartition& tp : partitions) {
        auto found = fetched.offsets.find(tp);
        if (found == fetched.offsets.end() || found->second.offset.value() < 0) {
            out[tp] = std::nullopt;
        } else if (found->second.error != KafkaError::none) {
            return kafka_failure("group " + state_->config.group_id + ": " + tp.to_string(),
                                 found->second.error);
        } else {
            out[tp] = found->second.offset;
        }
    }
    return out;
}

void Consumer::set_group_generation(GroupGeneration generation) {
    state_->generation = std::move(generation);
}

Result<void> Consumer::subscribe(std::vector<std::string> topics) {
    if (state_->config.group_id.empty()) {
        return Error(ErrorCode::invalid_argument, "subscribe needs a group.id");
    }
    if (!state_->group && !state_->assignment.empty()) {
        return Error(ErrorCode::invalid_argument, "subscribe after assign()");
    }
    if (!state_->group) {
        state_->group = std::make_unique<GroupSubscription>(*this, *cluster_, state_->config);
    }
    state_->group->subscribe(std::move(topics));
    return {};
}

GroupSubscription* Consumer::group() { return state_->group.get(); }

void Consumer::close() {
    if (state_->closed) return;
    if (state_->group) state_->group->close(cluster_->request_deadline());  // May suspend.
    state_->closed = true;
    state_->buffered.clear();
    cluster_->close();
}

}  // namespace brook::client
