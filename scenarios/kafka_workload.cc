#include "scenarios/kafka_workload.h"

#include <memory>

#include "core/base/check.h"
#include "core/client/kafka_calls.h"
#include "core/base/big_endian.h"
#include "core/log/record_batch.h"
#include "core/log/record_batch_builder.h"

namespace brook::scenarios {
namespace {

using client::KafkaConnection;
using client::KafkaError;

// One connection to a broker of `bootstrap` (drawn when there is a choice), reopened after any
// failure. May suspend.
KafkaConnection* connection(Environment& env, const std::vector<Address>& bootstrap,
                            std::unique_ptr<KafkaConnection>& kafka) {
    if (kafka) return kafka.get();
    const Address& broker =
        bootstrap.size() == 1 ? bootstrap.front() : bootstrap[env.random.uniform(bootstrap.size())];
    auto connected =
        KafkaConnection::connect(env.network, broker, env.clock.now() + seconds(2), "sim-client");
    if (!connected) {
        env.clock.sleep_for(milliseconds(env.random.between(20, 200)));
        return nullptr;
    }
    kafka = std::move(connected).value();
    return kafka.get();
}

std::vector<uint8_t> make_batch(Environment& env, const std::vector<uint64_t>& values,
                                int32_t value_bytes_max) {
    int64_t now_ms = wall_ms(env.clock.wall_now());
    log::RecordBatchBuilder builder(now_ms);
    for (std::size_t i = 0; i < values.size(); ++i) {
        log::Bytes value(static_cast<std::size_t>(env.random.between(8, value_bytes_max)),
                         static_cast<uint8_t>(i));
        store_big_endian<uint64_t>(value.data(), values[i]);
        builder.add(log::Record{.key = std::nullopt,
                                .value = std::move(value),
                                .headers = {},
                                .timestamp_ms = now_ms + static_cast<int64_t>(i)});
    }
    return builder.build();
}

// Errors after which the batch may still have been written (and may later be read).
bool maybe_written(KafkaError error) {
    return error == KafkaError::kafka_storage_error || error == KafkaError::request_timed_out ||
           error == KafkaError::not_enough_replicas_after_append;
}

// OffsetCommit errors that come before anything is written.
bool refused_before_writing(KafkaError error) {
    return error == KafkaError::unknown_topic_or_partition ||
           error == KafkaError::coordinator_not_available || error == KafkaError::not_coordinator ||
           error == KafkaError::coordinator_load_in_progress ||
           error == KafkaError::illegal_generation || error == KafkaError::invalid_group_id ||
           error == KafkaError::unknown_member_id;
}

std::string group_of(const std::string& consumer) { return "group-" + consumer; }

struct Decoded {
    std::vector<Message> records;  // at or after `from`
    int corrupt_batches = 0;
    Offset resume_after_corruption{-1};  // where a consumer may continue past a bad batch
};

// Splits fetched bytes into records, as a client with check.crcs does: a batch that fails its
// checks is counted, never treated as data, and ends the response.
Decoded decode(std::span<const uint8_t> rest, Offset from) {
    Decoded out;
    while (!rest.empty()) {
        log::BatchCheck check = log::check_batch(rest);
        if (check.problem == log::BatchProblem::truncated) break;  // a partial last batch
        std::optional<log::RecordBatchView> batch;
        Result<std::vector<log::Record>> records = Error(ErrorCode::corruption, "");
        if (check.problem == log::BatchProblem::none) {
            batch.emplace(rest.first(check.size));
            records = log::decode_records(*batch);
        }
        bool valid = records && !records->empty() &&
                     batch->last_offset_delta() + 1 == static_cast<int32_t>(records->size());
        for (std::size_t i = 0; valid && i < records->size(); ++i) {
            valid = (*records)[i].value && (*records)[i].value->size() >= 8;
        }
        if (!valid) {
            ++out.corrupt_batches;
            if (check.size >= log::kBatchHeaderBytes) {
                log::RecordBatchView header(rest.first(log::kBatchHeaderBytes));
                if (header.last_offset_delta() >= 0)
                    out.resume_after_corruption = header.next_offset();
            }
            break;
        }
        for (std::size_t i = 0; i < records->size(); ++i) {
            Offset offset = batch->base_offset() + static_cast<int64_t>(i);
            if (offset < from) continue;
            out.records.push_back(
                {load_big_endian<uint64_t>((*records)[i].value->data()), offset});
        }
        rest = rest.subspan(check.size);
    }
    return out;
}

}  // namespace

KafkaWorkload::KafkaWorkload(History& history, WorkloadShape shape, std::vector<Address> bootstrap)
    : history_(history), shape_(std::move(shape)), bootstrap_(std::move(bootstrap)) {
    ASSERT(!bootstrap_.empty());
}

void KafkaWorkload::start(sim::Simulation& sim) {
    for (int i = 1; i <= shape_.producers; ++i) {
        std::string name = fmt::format("p{}", i);
        producers_.push_back(name);
        sim.add_process(name, [this, name](Environment& env) { producer(env, name); });
    }
    for (int i = 1; i <= shape_.consumers; ++i) {
        std::string name = fmt::format("c{}", i);
        consumers_.push_back(name);
        sim.add_process(name, [this, name](Environment& env) { consumer(env, name); });
    }
}

std::string KafkaWorkload::idle_since_quiet() const {
    for (const std::string& name : producers_) {
        if (!quiet_progress_.contains(name)) return name;
    }
    if (shape_.skip_corrupt_batches) return "";
    for (const std::string& name : consumers_) {
        if (!quiet_progress_.contains(name)) return name;
    }
    return "";
}

void KafkaWorkload::producer(Environment& env, const std::string& name) {
    std::unique_ptr<KafkaConnection> kafka;
    // Any producer may create the topic; the others see TOPIC_ALREADY_EXISTS.
    while (true) {
        KafkaConnection* c = connection(env, bootstrap_, kafka);
        if (c == nullptr) continue;
        auto created = client::create_topic(*c, std::string(kWorkloadTopic), shape_.partitions,
                                            shape_.topic_configs, env.clock.now() + seconds(5));
        if (created &&
            (*created == KafkaError::none || *created == KafkaError::topic_already_exists)) {
            break;
        }
        kafka.reset();
        env.clock.sleep_for(milliseconds(100));
    }
    while (producing_) {
        KafkaConnection* c = connection(env, bootstrap_, kafka);
        if (c == nullptr) continue;
        std::vector<OperationId> in_flight;
        bool failed = false;
        for (int i = 0; i < shape_.pipeline && !failed; ++i) {
            std::vector<uint64_t> values;
            for (int n = static_cast<int>(env.random.between(1, 4)); n > 0; --n) {
                values.push_back(next_value_++);
            }
            PartitionId partition(static_cast<int32_t>(env.random.uniform(shape_.partitions)));
            OperationId id = history_.invoke_send(name, partition, values, env.clock.now());
            protocol::ProduceRequest request;
            request.acks = -1;
            request.timeout_ms = 10000;
            auto& topic = request.topic_data.emplace_back();
            topic.name = std::string(kWorkloadTopic);
            topic.partition_data.push_back(
                {partition.value(), make_batch(env, values, shape_.record_value_bytes_max)});
            failed = !c->send(request, 7, true, env.clock.now() + seconds(5));
            if (failed) {
                history_.info(id, env.clock.now(), "send failed: disconnected");
            } else {
                in_flight.push_back(id);
            }
        }
        for (OperationId id : in_flight) {
            if (failed) {  // outcomes of what was in flight stay unknown: never resent
                history_.info(id, env.clock.now(), "disconnected");
                continue;
            }
            auto response = c->receive(env.clock.now() + seconds(10));  // May suspend.
            auto* produce = response ? std::get_if<protocol::ProduceResponse>(&*response) : nullptr;
            if (produce == nullptr || produce->responses.size() != 1 ||
                produce->responses[0].partition_responses.size() != 1) {
                history_.info(id, env.clock.now(),
                              response ? "malformed response" : response.error().describe());
                failed = true;
                continue;
            }
            const auto& result = produce->responses[0].partition_responses[0];
            KafkaError error = protocol::kafka_error_from_wire(result.error_code);
            if (error == KafkaError::none) {
                history_.ok_send(id, env.clock.now(), Offset(result.base_offset));
                if (quiet_) ++quiet_progress_[name];
            } else if (maybe_written(error)) {
                history_.info(id, env.clock.now(), protocol::kafka_error_name(error));
            } else {
                history_.fail(id, env.clock.now(), protocol::kafka_error_name(error));
            }
        }
        if (failed) {
            kafka.reset();
            env.clock.sleep_for(milliseconds(env.random.between(10, 100)));
        }
        env.clock.sleep_for(microseconds(env.random.between(0, shape_.producer_pause_max_us)));
    }
}

bool KafkaWorkload::poll_once(Environment& env, KafkaConnection& kafka, const std::string& name,
                              PartitionId partition, Offset& position) {
    client::FetchOptions options{
        .max_wait_ms = static_cast<int32_t>(env.random.between(10, 300)),
        .partition_max_bytes = static_cast<int32_t>(env.random.between(100, 20000))};
    OperationId poll = history_.invoke_poll(name, partition, position, env.clock.now());
    auto fetched = client::fetch(kafka, std::string(kWorkloadTopic), partition, position, options,
                                 env.clock.now() + seconds(5));  // May suspend.
    if (!fetched) {
        history_.info(poll, env.clock.now(), fetched.error().describe());
        return false;
    }
    if (fetched->error != KafkaError::none) {
        history_.fail(poll, env.clock.now(), protocol::kafka_error_name(fetched->error));
        if (fetched->error != KafkaError::offset_out_of_range) return true;
        // auto.offset.reset=earliest: retention passed the position (or the log is shorter).
        Offset reset(fetched->log_start_offset >= 0 && position.value() < fetched->log_start_offset
                         ? fetched->log_start_offset
                         : std::max<int64_t>(fetched->high_watermark, 0));
        history_.seek(name, partition, reset, env.clock.now());
        // A consumer too slow for retention keeps resetting; that moves it on, while a reset
        // to where it already was (the broker refusing its own log start) would not.
        if (quiet_ && reset != position) ++quiet_progress_[name];
        position = reset;
        return true;
    }
    Decoded decoded = decode(fetched->records, position);
    if (!decoded.records.empty()) {
        position = decoded.records.back().offset + 1;
        if (quiet_) ++quiet_progress_[name];
    }
    history_.ok_poll(poll, env.clock.now(), std::move(decoded.records),
                     Offset(fetched->log_start_offset), decoded.corrupt_batches);
    if (decoded.corrupt_batches > 0 && shape_.skip_corrupt_batches &&
        decoded.resume_after_corruption > position) {
        position = decoded.resume_after_corruption;
        history_.seek(name, partition, position, env.clock.now());
    }
    return true;
}

std::vector<Offset> KafkaWorkload::resume(Environment& env, std::unique_ptr<KafkaConnection>& kafka,
                                          const std::string& name) {
    std::vector<Offset> positions(static_cast<std::size_t>(shape_.partitions), Offset(0));
    for (int i = 0; i < shape_.partitions; ++i) {
        if (!shape_.commits) {
            history_.seek(name, PartitionId(i), Offset(0), env.clock.now());
            continue;
        }
        protocol::OffsetFetchRequest request;
        request.group_id = group_of(name);
        request.topics.emplace();
        request.topics->push_back({std::string(kWorkloadTopic), {i}});
        while (true) {
            KafkaConnection* c = connection(env, bootstrap_, kafka);
            if (c == nullptr) continue;
            auto response = c->call<protocol::OffsetFetchResponse>(
                request, 5, env.clock.now() + seconds(5));  // May suspend.
            if (!response) {
                kafka.reset();
                continue;
            }
            const auto* answer =
                response->topics.size() == 1 && response->topics[0].partitions.size() == 1
                    ? &response->topics[0].partitions[0]
                    : nullptr;
            if (response->error_code != 0 || answer == nullptr || answer->error_code != 0) {
                env.clock.sleep_for(milliseconds(env.random.between(20, 200)));
                continue;  // e.g. COORDINATOR_LOAD_IN_PROGRESS after a restart
            }
            Offset committed(answer->committed_offset);
            history_.assign(name, group_of(name), PartitionId(i), committed, env.clock.now());
            // Nothing committed: the consumer starts at 0, where its first poll asks.
            if (committed.value() >= 0) positions[static_cast<std::size_t>(i)] = committed;
            break;
        }
    }
    return positions;
}

bool KafkaWorkload::commit(Environment& env, KafkaConnection& kafka, const std::string& name,
                           PartitionId partition, Offset position) {
    protocol::OffsetCommitRequest request;
    request.group_id = group_of(name);
    request.generation_id_or_member_epoch = -1;  // standalone: no group membership
    auto& topic = request.topics.emplace_back();
    topic.name = std::string(kWorkloadTopic);
    topic.partitions.push_back(
        {.partition_index = partition.value(), .committed_offset = position.value()});
    OperationId id =
        history_.invoke_commit(name, group_of(name), partition, position, env.clock.now());
    auto response = kafka.call<protocol::OffsetCommitResponse>(
        request, 7, env.clock.now() + seconds(5));  // May suspend.
    if (!response) {
        history_.info(id, env.clock.now(), response.error().describe());
        return false;
    }
    KafkaError error =
        response->topics.size() == 1 && response->topics[0].partitions.size() == 1
            ? protocol::kafka_error_from_wire(response->topics[0].partitions[0].error_code)
            : KafkaError::unknown_server_error;
    if (error == KafkaError::none) {
        history_.ok_commit(id, env.clock.now());
    } else if (refused_before_writing(error)) {
        history_.fail(id, env.clock.now(), protocol::kafka_error_name(error));
    } else {
        history_.info(id, env.clock.now(), protocol::kafka_error_name(error));
    }
    return true;
}

void KafkaWorkload::consumer(Environment& env, const std::string& name) {
    std::unique_ptr<KafkaConnection> kafka;
    std::vector<Offset> positions = resume(env, kafka, name);  // May suspend.
    while (true) {
        for (int i = 0; i < shape_.partitions; ++i) {
            KafkaConnection* c = connection(env, bootstrap_, kafka);
            if (c == nullptr) break;
            Offset& position = positions[static_cast<std::size_t>(i)];
            bool connected = poll_once(env, *c, name, PartitionId(i), position);
            if (connected && shape_.commits && env.random.chance(1, 4)) {
                connected = commit(env, *c, name, PartitionId(i), position);
            }
            if (!connected) {
                kafka.reset();
                env.clock.sleep_for(milliseconds(env.random.between(10, 100)));
                break;
            }
            if (shape_.consumer_pause_max_ms > 0) {
                env.clock.sleep_for(
                    milliseconds(env.random.between(0, shape_.consumer_pause_max_ms)));
            }
        }
    }
}

std::optional<std::string> KafkaWorkload::verify(Environment& env, Duration give_up_after) {
    std::unique_ptr<KafkaConnection> kafka;
    Instant give_up = env.clock.now() + give_up_after;
    for (int i = 0; i < shape_.partitions; ++i) {
        PartitionId partition(i);
        std::optional<Offset> position;
        while (true) {
            if (env.clock.now() > give_up) {
                return fmt::format("the verifier could not read partition {} to its end", i);
            }
            KafkaConnection* c = connection(env, bootstrap_, kafka);
            if (c == nullptr) continue;
            if (!position) {
                auto start = client::list_offset(*c, std::string(kWorkloadTopic), partition, -2,
                                                 env.clock.now() + seconds(5));
                if (!start || start->error != KafkaError::none) {
                    kafka.reset();
                    continue;
                }
                position = start->offset;
                history_.seek("verifier", partition, *position, env.clock.now());
            }
            auto end = client::list_offset(*c, std::string(kWorkloadTopic), partition, -1,
                                           env.clock.now() + seconds(5));
            if (!end || end->error != KafkaError::none) {
                kafka.reset();
                continue;
            }
            if (*position >= end->offset) break;
            Offset before = *position;
            if (!poll_once(env, *c, "verifier", partition, *position)) kafka.reset();
            if (*position == before && shape_.skip_corrupt_batches) break;  // stuck at damage
        }
    }
    return std::nullopt;
}

}  // namespace brook::scenarios
