#include "core/client/record_accumulator.h"

#include <algorithm>

namespace brook::client {

RecordAccumulator::RecordAccumulator(Scheduler& scheduler, const ProducerConfig& config)
    : config_(config), space_(scheduler), reported_(scheduler) {}

Result<void> RecordAccumulator::reserve(std::size_t bytes, Instant deadline) {
    if (static_cast<int64_t>(bytes) > config_.buffer_memory) {
        return Error(ErrorCode::too_large,
                     fmt::format("a record of {} bytes exceeds buffer.memory ({})", bytes,
                                 config_.buffer_memory));
    }
    while (buffered_bytes_ + static_cast<int64_t>(bytes) > config_.buffer_memory) {
        if (!space_.wait(deadline)) {  // May suspend.
            return Error(ErrorCode::timeout,
                         fmt::format("buffer.memory ({} bytes) stayed full for max.block.ms",
                                     config_.buffer_memory));
        }
    }
    buffered_bytes_ += static_cast<int64_t>(bytes);
    return {};
}

bool RecordAccumulator::append(const TopicPartition& tp, log::Record record, std::size_t bytes,
                               DeliveryCallback callback, Instant now) {
    PartitionQueue& queue = queues_[tp];
    bool filled = false;
    ProducerBatch* open = nullptr;
    if (!queue.batches.empty() && !queue.batches.back()->sealed) {
        open = queue.batches.back().get();
        if (open->bytes + bytes > static_cast<std::size_t>(config_.batch_size)) {
            open->sealed = true;  // full: the new record starts the next batch
            filled = true;
            open = nullptr;
        }
    }
    if (open == nullptr) {
        auto batch = std::make_unique<ProducerBatch>();
        batch->tp = tp;
        batch->sequence = queue.next_sequence++;
        batch->first_serial = next_serial_;
        batch->created = now;
        unreported_batches_.insert(batch->first_serial);
        open = batch.get();
        queue.batches.push_back(std::move(batch));
    }
    open->records.push_back(std::move(record));
    open->callbacks.push_back(std::move(callback));
    open->bytes += bytes;
    ++next_serial_;
    ++pending_records_;
    if (open->bytes >= static_cast<std::size_t>(config_.batch_size)) {
        open->sealed = true;
        filled = true;
    }
    return filled;
}

std::vector<TopicPartition> RecordAccumulator::ready(Instant now, bool flushing,
                                                     Instant& wake_at) const {
    bool ordered = config_.max_in_flight == 1;
    std::vector<TopicPartition> ready;
    for (const auto& [tp, queue] : queues_) {
        if (queue.batches.empty() || (ordered && queue.in_flight > 0)) continue;
        const ProducerBatch& front = *queue.batches.front();
        if (front.retry_at > now) {
            wake_at = std::min(wake_at, front.retry_at);
            continue;
        }
        Instant lingered = front.created + config_.linger;
        bool full = front.sealed || queue.batches.size() > 1;
        if (full || flushing || lingered <= now) {
            ready.push_back(tp);
        } else {
            wake_at = std::min(wake_at, lingered);
        }
    }
    return ready;
}

std::unique_ptr<ProducerBatch> RecordAccumulator::take(const TopicPartition& tp) {
    PartitionQueue& queue = queues_.at(tp);
    ASSERT(!queue.batches.empty());
    std::unique_ptr<ProducerBatch> batch = std::move(queue.batches.front());
    queue.batches.pop_front();
    batch->sealed = true;
    ++queue.in_flight;
    return batch;
}

void RecordAccumulator::landed(const TopicPartition& tp) {
    PartitionQueue& queue = queues_.at(tp);
    ASSERT(queue.in_flight > 0);
    --queue.in_flight;
}

void RecordAccumulator::requeue(std::unique_ptr<ProducerBatch> batch, Instant retry_at) {
    batch->retry_at = retry_at;
    auto& batches = queues_.at(batch->tp).batches;
    auto later = std::find_if(batches.begin(), batches.end(), [&](const auto& queued) {
        return queued->sequence > batch->sequence;
    });
    batches.insert(later, std::move(batch));
}

std::vector<std::unique_ptr<ProducerBatch>> RecordAccumulator::expire(Instant now,
                                                                      Duration delivery_timeout) {
    std::vector<std::unique_ptr<ProducerBatch>> expired;
    for (auto& [tp, queue] : queues_) {
        while (!queue.batches.empty() && queue.batches.front()->created + delivery_timeout <= now) {
            expired.push_back(std::move(queue.batches.front()));
            queue.batches.pop_front();
        }
    }
    return expired;
}

std::vector<std::unique_ptr<ProducerBatch>> RecordAccumulator::take_all() {
    std::vector<std::unique_ptr<ProducerBatch>> all;
    for (auto& [tp, queue] : queues_) {
        for (auto& batch : queue.batches) all.push_back(std::move(batch));
        queue.batches.clear();
    }
    return all;
}

void RecordAccumulator::report(ProducerBatch& batch,
                               const std::function<DeliveryReport(std::size_t)>& report_for) {
    ASSERT(unreported_batches_.erase(batch.first_serial) == 1, "a batch reported twice");
    for (std::size_t i = 0; i < batch.records.size(); ++i) {
        if (batch.callbacks[i]) batch.callbacks[i](report_for(i));
    }
    buffered_bytes_ -= static_cast<int64_t>(batch.bytes);
    pending_records_ -= batch.records.size();
    ASSERT(buffered_bytes_ >= 0);
    space_.notify_all();
    reported_.notify_all();
}

uint64_t RecordAccumulator::oldest_unreported() const {
    return unreported_batches_.empty() ? next_serial_ : *unreported_batches_.begin();
}

}  // namespace brook::client
