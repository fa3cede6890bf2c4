#include "core/client/producer.h"

#include <algorithm>

#include "core/client/partitioner.h"
#include "core/client/record_accumulator.h"
#include "core/log/record_batch_builder.h"

namespace brook::client {

namespace {

std::size_t estimate_bytes(const ProducerRecord& record) {
    std::size_t bytes = kRecordOverheadBytes;
    if (record.key) bytes += record.key->size();
    if (record.value) bytes += record.value->size();
    for (const Header& header : record.headers) {
        bytes += header.key.size() + (header.value ? header.value->size() : 0) + 10;
    }
    return bytes;
}

log::Record to_log_record(ProducerRecord& record, int64_t timestamp_ms) {
    log::Record out;
    out.key = std::move(record.key);
    out.value = std::move(record.value);
    out.timestamp_ms = timestamp_ms;
    for (Header& header : record.headers) {
        out.headers.push_back(
            {log::Bytes(header.key.begin(), header.key.end()), std::move(header.value)});
    }
    return out;
}

}  // namespace

// Everything the producer's fibers share. Lives as long as the Producer; its fibers are gone
// before it is destroyed (close() waits for them; a crash kills them first).
struct Producer::State {
    State(Environment& env, ProducerConfig config, Cluster& cluster)
        : env(env),
          config(std::move(config)),
          cluster(cluster),
          accumulator(env.scheduler, this->config),
          wake_sender(env.scheduler),
          fibers_done(env.scheduler) {}

    Result<PartitionId> choose_partition(const ProducerRecord& record, const TopicMetadata& topic);
    void run_sender();
    void send_to(NodeId node, std::vector<std::unique_ptr<ProducerBatch>> batches);
    void settle(std::unique_ptr<ProducerBatch> batch, KafkaError error, const Error* failure,
                Offset base_offset, int64_t log_append_time_ms);
    void fail(ProducerBatch& batch, const Error& error, KafkaError kafka_error);
    std::optional<NodeId> leader_of(const TopicPartition& tp);
    void spawn(std::string name, Task body);

    Environment& env;
    ProducerConfig config;
    Cluster& cluster;
    RecordAccumulator accumulator;
    WaitQueue wake_sender;                        // records to send, a flush, a close, a response
    WaitQueue fibers_done;                        // a producer fiber ended
    std::map<std::string, PartitionId> sticky;    // null-key partition per topic
    std::map<std::string, uint32_t> round_robin;  // next null-key partition per topic
    std::map<NodeId, int32_t> in_flight;          // requests per broker
    std::set<std::string> stale_topics;           // leaders unknown: refresh before send
    int32_t flushing = 0;
    int32_t fibers = 0;
    bool closing = false;
    bool closed = false;
    std::optional<Error> invalid;  // what validate() said of the config; send() refuses
};

void Producer::State::spawn(std::string name, Task body) {
    ++fibers;
    env.scheduler.spawn(std::move(name), [this, body = std::move(body)]() mutable {
        // Counted down even when the fiber is unwound by a crash.
        struct Done {
            State& state;
            ~Done() {
                --state.fibers;
                state.fibers_done.notify_all();
                state.wake_sender.notify_all();  // the sender ends after the last request
            }
        } done{*this};
        body();
    });
}

Result<PartitionId> Producer::State::choose_partition(const ProducerRecord& record,
                                                      const TopicMetadata& topic) {
    auto count = static_cast<int32_t>(topic.partitions.size());
    if (record.partition) {
        if (record.partition->value() < 0 || record.partition->value() >= count) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("topic {}: partition {} does not exist (it has {})",
                                     topic.name, record.partition->value(), count));
        }
        return *record.partition;
    }
    if (record.key) return partition_for_key(*record.key, count);
    if (config.partitioner == Partitioner::round_robin) {
        uint32_t next = round_robin[topic.name]++;
        return PartitionId(static_cast<int32_t>(next % static_cast<uint32_t>(count)));
    }
    auto found = sticky.find(topic.name);
    if (found == sticky.end()) {
        PartitionId pick(static_cast<int32_t>(env.random.uniform(static_cast<uint64_t>(count))));
        found = sticky.emplace(topic.name, pick).first;
    }
    return found->second;
}

std::optional<NodeId> Producer::State::leader_of(const TopicPartition& tp) {
    std::optional<TopicMetadata> topic = cluster.cached_topic(tp.topic);
    if (!topic || static_cast<std::size_t>(tp.partition.value()) >= topic->partitions.size()) {
        return std::nullopt;
    }
    NodeId leader = topic->partitions[tp.partition.value()].leader;
    if (leader.value() < 0) return std::nullopt;
    return leader;
}

void Producer::State::run_sender() {
    while (true) {
        Instant now = env.clock.now();
        for (auto& batch : accumulator.expire(now, config.delivery_timeout)) {
            fail(*batch,
                 Error(ErrorCode::timeout,
                       fmt::format("{}: delivery.timeout.ms passed before delivery",
                                   batch->tp.to_string())),
                 KafkaError::none);
        }
        if (closed && fibers == 1) return;  // the sender is the last fiber
        if (!stale_topics.empty()) {
            std::set<std::string> topics = std::move(stale_topics);
            stale_topics.clear();
            cluster.invalidate();
            for (const std::string& topic : topics) {
                (void)cluster.topic(topic, cluster.request_deadline());  // May suspend.
            }
            // Look again from the top: while the refresh waited, close() may have set `closed`
            // and notified a sender that was not waiting, and batches may have expired. Going
            // on to wait here could wait for ever, and close() with it.
            continue;
        }
        Instant wake_at = kNever;
        std::map<NodeId, std::vector<std::unique_ptr<ProducerBatch>>> requests;
        std::map<NodeId, std::size_t> request_bytes;
        for (const TopicPartition& tp : accumulator.ready(now, flushing > 0 || closing, wake_at)) {
            std::optional<NodeId> leader = leader_of(tp);
            if (!leader) {
                stale_topics.insert(tp.topic);
                wake_at = std::min(wake_at, now + config.retry_backoff);
                continue;
            }
            if (in_flight[*leader] >= config.max_in_flight) continue;  // woken by a response
            std::size_t& bytes = request_bytes[*leader];
            if (bytes > 0 && bytes >= static_cast<std::size_t>(config.max_request_size)) continue;
            std::unique_ptr<ProducerBatch> batch = accumulator.take(tp);
            bytes += batch->bytes;
            // The sticky partition moves on once its batch goes (KIP-480).
            auto stuck = sticky.find(tp.topic);
            if (stuck != sticky.end() && stuck->second == tp.partition) sticky.erase(stuck);
            requests[*leader].push_back(std::move(batch));
        }
        for (auto& [node, batches] : requests) {
            ++in_flight[node];
            spawn(fmt::format("produce-{}", node.value()),
                  [this, node = node, batches = std::move(batches)]() mutable {
                      send_to(node, std::move(batches));
                  });
        }
        if (!requests.empty()) continue;  // look again: more may be ready
        if (!stale_topics.empty()) wake_at = std::min(wake_at, now + config.retry_backoff);
        wake_sender.wait(wake_at);  // May suspend.
    }
}

void Producer::State::send_to(NodeId node, std::vector<std::unique_ptr<ProducerBatch>> batches) {
    protocol::ProduceRequest request;
    request.acks = config.acks;
    request.timeout_ms = static_cast<int32_t>(to_ms(config.cluster.request_timeout));
    for (auto& batch : batches) {
        if (batch->encoded.empty()) {
            log::RecordBatchBuilder builder(batch->records.front().timestamp_ms);
            builder.set_compression(config.compression);
            for (const log::Record& record : batch->records) builder.add(record);
            batch->encoded = builder.build();
        }
        ++batch->attempts;
        if (request.topic_data.empty() || request.topic_data.back().name != batch->tp.topic) {
            request.topic_data.emplace_back().name = batch->tp.topic;
        }
        request.topic_data.back().partition_data.push_back(
            {batch->tp.partition.value(), batch->encoded});
    }
    Instant deadline = cluster.request_deadline();
    Result<protocol::ProduceResponse> response = Error(ErrorCode::disconnected);
    auto link = cluster.link(node, deadline);  // May suspend.
    if (!link) {
        response = link.error();
    } else if (config.acks == 0) {
        auto sent = (*link)->send_only(request, deadline);  // May suspend.
        response = sent ? Result<protocol::ProduceResponse>(protocol::ProduceResponse{})
                        : Result<protocol::ProduceResponse>(sent.error());
    } else {
        response = (*link)->call<protocol::ProduceResponse>(request, deadline);  // May suspend.
    }
    if (!response) cluster.invalidate();
    for (auto& batch : batches) {
        TopicPartition tp = batch->tp;
        if (!response) {
            settle(std::move(batch), KafkaError::network_exception, &response.error(), Offset(-1),
                   -1);
        } else if (config.acks == 0) {
            settle(std::move(batch), KafkaError::none, nullptr, Offset(-1), -1);
        } else {
            const protocol::ProduceResponse::PartitionProduceResponse* answer = nullptr;
            for (const auto& topic : response->responses) {
                if (topic.name != tp.topic) continue;
                for (const auto& partition : topic.partition_responses) {
                    if (partition.index == tp.partition.value()) answer = &partition;
                }
            }
            if (answer == nullptr) {
                Error missing(ErrorCode::corruption,
                              fmt::format("broker {}: Produce answer lacks {}", node.value(),
                                          tp.to_string()));
                settle(std::move(batch), KafkaError::unknown_server_error, &missing, Offset(-1),
                       -1);
            } else {
                settle(std::move(batch), protocol::kafka_error_from_wire(answer->error_code),
                       nullptr, Offset(answer->base_offset), answer->log_append_time_ms);
            }
        }
        accumulator.landed(tp);
    }
    --in_flight[node];
    wake_sender.notify_all();
}

void Producer::State::settle(std::unique_ptr<ProducerBatch> batch, KafkaError error,
                             const Error* failure, Offset base_offset, int64_t log_append_time_ms) {
    if (failure == nullptr && error == KafkaError::none) {
        accumulator.report(*batch, [&](std::size_t index) {
            DeliveryReport report;
            report.topic = batch->tp.topic;
            report.partition = batch->tp.partition;
            report.offset =
                base_offset.value() < 0 ? Offset(-1) : base_offset + static_cast<int64_t>(index);
            report.timestamp_ms =
                log_append_time_ms >= 0 ? log_append_time_ms : batch->records[index].timestamp_ms;
            return report;
        });
        return;
    }
    Error why = failure != nullptr
                    ? failure->wrap(batch->tp.to_string())
                    : kafka_failure(fmt::format("topic {} partition {}", batch->tp.topic,
                                                batch->tp.partition.value()),
                                    error);
    if (means_stale_metadata(error)) stale_topics.insert(batch->tp.topic);
    Instant now = env.clock.now();
    ASSERT(batch->attempts >= 1, "settling a batch that was never sent");
    Instant retry_at = now + cluster.retry_backoff(static_cast<uint32_t>(batch->attempts - 1));
    bool retriable = failure != nullptr || is_retriable(error);
    if (retriable && batch->attempts <= config.retries &&
        retry_at < batch->created + config.delivery_timeout && !closed) {
        cluster.log().debug("retrying {} (attempt {}): {}", batch->tp.to_string(),
                            batch->attempts + 1, why.describe());
        accumulator.requeue(std::move(batch), retry_at);
        return;
    }
    fail(*batch, why, failure != nullptr ? KafkaError::none : error);
}

void Producer::State::fail(ProducerBatch& batch, const Error& error, KafkaError kafka_error) {
    accumulator.report(batch, [&](std::size_t index) {
        DeliveryReport report;
        report.topic = batch.tp.topic;
        report.partition = batch.tp.partition;
        report.timestamp_ms = batch.records[index].timestamp_ms;
        report.kafka_error = kafka_error;
        report.error = error;
        return report;
    });
}

Producer::Producer(Environment& env, ProducerConfig config) {
    cluster_ = std::make_unique<Cluster>(env, config.cluster);
    state_ = std::make_unique<State>(env, std::move(config), *cluster_);
    if (auto valid = state_->config.validate(); !valid) state_->invalid = valid.error();
    state_->spawn("producer-sender", [state = state_.get()] { state->run_sender(); });
}

Producer::~Producer() {
    // The fibers must be gone: closed, or killed with their node (they are newer than the
    // fiber that made the producer, so a crash unwinds them first).
    ASSERT(state_->fibers == 0, "close() the producer before destroying it");
}

std::size_t Producer::pending_records() const { return state_->accumulator.pending_records(); }

Result<void> Producer::send(ProducerRecord record, DeliveryCallback on_delivery) {
    State& state = *state_;
    if (state.invalid) return *state.invalid;
    if (state.closing) return Error(ErrorCode::shutting_down, "the producer is closing");
    Instant deadline = state.env.clock.now() + state.config.max_block;
    TRY_ASSIGN(TopicMetadata topic, cluster_->topic(record.topic, deadline));  // May suspend.
    TRY_ASSIGN(PartitionId partition, state.choose_partition(record, topic));
    std::size_t bytes = estimate_bytes(record);
    if (bytes + log::kBatchHeaderBytes > static_cast<std::size_t>(state.config.max_request_size)) {
        return Error(ErrorCode::too_large,
                     fmt::format("a record of {} bytes exceeds max.request.size ({})", bytes,
                                 state.config.max_request_size));
    }
    TRY(state.accumulator.reserve(bytes, deadline));  // May suspend.
    if (state.closing) {
        // Closed while this send waited: give the memory back through an immediate failure.
        return Error(ErrorCode::shutting_down, "the producer closed");
    }
    int64_t timestamp_ms = record.timestamp_ms.value_or(wall_ms(state.env.clock.wall_now()));
    TopicPartition tp{record.topic, partition};
    // Whether the batch is full or not: a new batch's linger deadline is one the sender, maybe
    // asleep without any, must learn of (else it would wait for a full batch or a flush).
    (void)state.accumulator.append(tp, to_log_record(record, timestamp_ms), bytes,
                                   std::move(on_delivery), state.env.clock.now());
    state.wake_sender.notify_all();
    return {};
}

Result<void> Producer::flush(Instant deadline) {
    State& state = *state_;
    uint64_t target = state.accumulator.next_serial();
    ++state.flushing;
    state.wake_sender.notify_all();
    bool done = true;
    while (state.accumulator.oldest_unreported() < target) {
        if (!state.accumulator.reported().wait(deadline)) {  // May suspend.
            done = state.accumulator.oldest_unreported() >= target;
            break;
        }
    }
    --state.flushing;
    if (!done) {
        return Error(ErrorCode::timeout, fmt::format("flush: {} records still undelivered",
                                                     state.accumulator.pending_records()));
    }
    return {};
}

void Producer::close(Instant deadline) {
    State& state = *state_;
    if (state.closed) return;
    state.closing = true;
    (void)flush(deadline);  // May suspend.
    state.closed = true;
    for (auto& batch : state.accumulator.take_all()) {
        state.fail(*batch,
                   Error(ErrorCode::shutting_down,
                         batch->tp.to_string() + ": the producer closed before delivery"),
                   KafkaError::none);
    }
    state.wake_sender.notify_all();
    while (state.fibers > 0) state.fibers_done.wait();  // May suspend.
    cluster_->close();
}

}  // namespace brook::client
