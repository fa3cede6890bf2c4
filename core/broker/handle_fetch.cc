// Fetch: whole stored batches from each requested partition, with long polling.
//
// Only committed data is served: reads stop at the partition's high watermark
// (cluster::Partition, today the durable end: everything below it is fsynced), and that is the
// high watermark reported. A consumer therefore never sees a record that a crash could take
// back, which matters because Brook acknowledges acks=-1 only after fsync and a single node has
// no replicas to restore an unsynced tail from. With the default flush.messages=1 the durable
// end trails the log end only by one group commit.
//
// Long polling: when fewer than min_bytes are available, the handler parks until any requested
// partition's high watermark moves past what it has read (Partition::wait_for_high_watermark)
// or max_wait_ms passes, then reads again.
#include <algorithm>

#include "core/base/planted_bug.h"
#include "core/broker/limits.h"
#include "core/broker/request_handlers.h"
#include "core/runtime/wait_queue.h"

namespace brook::broker {

using protocol::FetchRequest;
using protocol::FetchResponse;
using protocol::KafkaError;

namespace {

struct WaitTarget {
    std::shared_ptr<cluster::Partition> partition;
    Offset offset;
};

struct Gathered {
    FetchResponse response;
    int64_t bytes = 0;
    bool errors = false;
    std::vector<WaitTarget> waits;
};

// The longest prefix of whole batches in `bytes` that fits in `limit`.
std::size_t whole_batches_within(std::span<const uint8_t> bytes, std::size_t limit) {
    std::size_t taken = 0;
    while (taken < bytes.size()) {
        log::BatchCheck check = log::check_batch(bytes.subspan(taken));
        if (check.problem != log::BatchProblem::none || taken + check.size > limit) break;
        taken += check.size;
    }
    return taken;
}

FetchResponse::PartitionData read_partition(BrokerServices& services, const std::string& topic,
                                            const FetchRequest::FetchPartition& request,
                                            int64_t budget, Gathered& gathered) {
    FetchResponse::PartitionData out;
    out.partition_index = request.partition;
    out.high_watermark = -1;
    out.records = std::vector<uint8_t>();
    auto fail = [&](KafkaError error) {
        out.error_code = to_wire(error);
        gathered.errors = true;
        return out;
    };
    KafkaError not_led = KafkaError::none;
    std::shared_ptr<cluster::Partition> partition =
        led_partition(services, topic, request.partition, request.current_leader_epoch, not_led);
    if (!partition) return fail(not_led);
    std::shared_ptr<log::PartitionLog> log = partition->log();
    if (!log || log->offline()) return fail(KafkaError::kafka_storage_error);
    Offset visible = planted(PlantedBug::fetch_past_end) ? log->log_end_offset()
                                                         : partition->high_watermark();
    out.high_watermark = visible.value();
    out.last_stable_offset = visible.value();
    out.log_start_offset = log->log_start_offset().value();
    Offset offset(request.fetch_offset);
    if (offset < log->log_start_offset() || offset > log->log_end_offset()) {
        return fail(KafkaError::offset_out_of_range);
    }
    int64_t partition_limit = std::min<int64_t>(std::max(request.partition_max_bytes, 0), budget);
    if (offset >= visible || partition_limit <= 0) {
        if (partition_limit > 0) gathered.waits.push_back({partition, offset});
        return out;
    }
    Result<log::LogRead> read =
        log->read(offset, static_cast<std::size_t>(std::max<int64_t>(partition_limit, 1)), visible);
    if (!read) {
        services.log.warn("fetch from {} at {}: {}", partition->directory(), offset,
                          read.error().describe());
        return fail(storage_error_code(read.error()));
    }
    std::vector<uint8_t> bytes = std::move(read->bytes);
    // KIP-74: one batch may exceed the limits, but only as the first bytes of the response.
    if (gathered.bytes > 0 && static_cast<int64_t>(bytes.size()) > partition_limit) {
        bytes.resize(whole_batches_within(bytes, static_cast<std::size_t>(partition_limit)));
    }
    gathered.bytes += static_cast<int64_t>(bytes.size());
    // New data, if the caller waits for more, is whatever lands at the current high watermark.
    gathered.waits.push_back({partition, visible});
    out.records = std::move(bytes);
    return out;
}

Gathered gather(BrokerServices& services, const FetchRequest& request, int64_t max_bytes) {
    Gathered gathered;
    for (const auto& topic : request.topics) {
        auto& topic_out = gathered.response.responses.emplace_back();
        topic_out.topic = topic.topic;
        for (const auto& partition : topic.partitions) {
            int64_t budget = max_bytes - gathered.bytes;
            topic_out.partitions.push_back(
                read_partition(services, topic.topic, partition, budget, gathered));
        }
    }
    return gathered;
}

// Parks until one target's high watermark passes its offset, or the deadline. May suspend.
void wait_for_any(Environment& env, const std::vector<WaitTarget>& targets, Instant deadline) {
    if (targets.empty()) {
        env.clock.sleep_until(deadline);
        return;
    }
    if (targets.size() == 1) {
        targets.front().partition->wait_for_high_watermark(targets.front().offset, deadline);
        return;
    }
    // One helper fiber per partition; the first to see data wakes the handler, which then
    // wakes the others out of their waits, so no helper outlives this call.
    struct AnyWake {
        explicit AnyWake(Scheduler& scheduler) : queue(scheduler) {}
        WaitQueue queue;
        bool fired = false;
    };
    auto wake = std::make_shared<AnyWake>(env.scheduler);
    std::vector<FiberId> helpers;
    for (const WaitTarget& target : targets) {
        helpers.push_back(env.scheduler.spawn("fetch-wait", [wake, target, deadline] {
            target.partition->wait_for_high_watermark(target.offset, deadline);
            wake->fired = true;
            wake->queue.notify_all();
        }));
    }
    while (!wake->fired && env.clock.now() < deadline) wake->queue.wait(deadline);
    for (FiberId helper : helpers) env.scheduler.wake(helper);  // a no-op for finished ones
}

}  // namespace

FetchResponse handle_fetch(BrokerServices& services, const RequestContext& context,
                           const FetchRequest& request) {
    Environment& env = services.env;
    int32_t wait_ms = std::clamp(request.max_wait_ms, 0, kFetchWaitMsMax);
    Instant deadline = env.clock.now() + milliseconds(wait_ms);
    int64_t max_bytes =
        std::clamp<int64_t>(request.max_bytes, 1, kFetchResponseBytesMax);
    int64_t min_bytes = std::max(request.min_bytes, 0);
    while (true) {
        Gathered gathered = gather(services, request, max_bytes);
        bool enough = gathered.bytes >= std::max<int64_t>(min_bytes, 1) ||
                      (min_bytes == 0) || gathered.errors;
        if (enough || env.clock.now() >= deadline) return std::move(gathered.response);
        wait_for_any(env, gathered.waits, deadline);  // May suspend.
    }
}

}  // namespace brook::broker
