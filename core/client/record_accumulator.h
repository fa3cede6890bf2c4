// The producer's memory: one queue of batches per partition, the buffer.memory budget, and the
// bookkeeping flush() needs. Pure state, no I/O: the producer's send() appends, its sender
// fiber takes ready batches out and puts failed ones back.
//
//   TRY(accumulator.reserve(bytes, deadline));           // buffer.memory; May suspend
//   accumulator.append(tp, std::move(record), bytes, std::move(callback));
//   for (const TopicPartition& tp : accumulator.ready(now, flushing, &wake_at)) {
//       std::unique_ptr<ProducerBatch> batch = accumulator.take(tp);
//       ...send; on a retriable failure: accumulator.requeue(std::move(batch), retry_at);
//   }
//   accumulator.report(*batch, outcome_for_record);       // calls back, frees the memory
//
// A partition's queue is in batch order (sequence). A partition sends only its front batch,
// and while `ordered` (max.in.flight 1) not while one of its batches is in flight; a batch
// that comes back for a retry is put back in sequence order, so it is sent again before every
// later batch of its partition.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "core/client/producer.h"
#include "core/log/record_batch_builder.h"
#include "core/runtime/wait_queue.h"

namespace brook::client {

// Kafka's per-record framing overhead, as an upper bound (length, attributes, deltas, counts).
inline constexpr std::size_t kRecordOverheadBytes = 21;

struct ProducerBatch {
    TopicPartition tp;
    uint64_t sequence = 0;      // order of batches within the partition
    uint64_t first_serial = 0;  // serial of the first record (flush bookkeeping)
    std::vector<log::Record> records;
    std::vector<DeliveryCallback> callbacks;
    std::size_t bytes = 0;  // estimated, reserved from buffer.memory
    Instant created{};
    Instant retry_at{};            // not sent again before this
    int32_t attempts = 0;          // sends so far
    bool sealed = false;           // full, or taken once: no more records join it
    std::vector<uint8_t> encoded;  // the record batch, built once at the first send
};

class RecordAccumulator {
public:
    RecordAccumulator(Scheduler& scheduler, const ProducerConfig& config);
    // Reports nothing: the producer fails what is left before it goes.
    ~RecordAccumulator() = default;

    // Waits until `bytes` fit in buffer.memory, then reserves them. timeout when `deadline`
    // passes first. May suspend.
    Result<void> reserve(std::size_t bytes, Instant deadline);

    // Adds a record whose `bytes` were reserved. True when a batch became full (send it now).
    bool append(const TopicPartition& tp, log::Record record, std::size_t bytes,
                DeliveryCallback callback, Instant now);

    // Partitions whose front batch may be sent now: full, lingered long enough, or `flushing`;
    // not waiting for a retry backoff; not blocked by a batch in flight when ordered.
    // `wake_at` is lowered to when the next not-yet-ready front batch becomes ready.
    std::vector<TopicPartition> ready(Instant now, bool flushing, Instant& wake_at) const;

    // Takes the front batch out of the partition's queue and marks the partition in flight.
    std::unique_ptr<ProducerBatch> take(const TopicPartition& tp);
    // A batch that was taken is back from the broker: the partition is no longer in flight.
    void landed(const TopicPartition& tp);
    // Puts a taken batch back for another attempt, in sequence order.
    void requeue(std::unique_ptr<ProducerBatch> batch, Instant retry_at);

    // Batches still queued whose delivery timeout passed, taken out (not in flight ones).
    std::vector<std::unique_ptr<ProducerBatch>> expire(Instant now, Duration delivery_timeout);
    // Every queued batch, taken out (close).
    std::vector<std::unique_ptr<ProducerBatch>> take_all();

    // Calls each record's callback with `report_for(index)` and frees the batch's memory.
    void report(ProducerBatch& batch, const std::function<DeliveryReport(std::size_t)>& report_for);

    // Serial the next appended record gets; flush(): done when oldest_unreported() >= this.
    uint64_t next_serial() const { return next_serial_; }
    // The serial of the oldest record not yet reported, or next_serial() when none.
    uint64_t oldest_unreported() const;
    std::size_t pending_records() const { return pending_records_; }
    bool idle() const { return pending_records_ == 0; }

    // Notified whenever records are reported (flush waits on it).
    WaitQueue& reported() { return reported_; }

private:
    struct PartitionQueue {
        std::deque<std::unique_ptr<ProducerBatch>> batches;
        int32_t in_flight = 0;
        uint64_t next_sequence = 0;
    };

    const ProducerConfig& config_;
    std::map<TopicPartition, PartitionQueue> queues_;
    std::set<uint64_t> unreported_batches_;  // first_serial of each batch not yet reported
    int64_t buffered_bytes_ = 0;
    std::size_t pending_records_ = 0;
    uint64_t next_serial_ = 0;
    WaitQueue space_;
    WaitQueue reported_;
};

}  // namespace brook::client
