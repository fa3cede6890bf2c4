// Every bound the broker keeps, in one place, with the relations between them checked at
// compile time (the topic table's are in core/cluster/limits.h). Configuration (BrokerConfig)
// may lower some of them; nothing raises them.
//
//   if (frame_bytes > std::min<int64_t>(config.socket_request_max_bytes, kRequestBytesMax)) ...
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/log/record_batch.h"

namespace brook::broker {

// The largest request frame any configuration accepts (Kafka's socket.request.max.bytes
// default is 100 MiB; so is ours). The frame is refused before its buffer is allocated.
inline constexpr int64_t kRequestBytesMax = 100 * 1024 * 1024;
// The smallest well-formed request: api key, api version, correlation id, client id length.
inline constexpr int64_t kRequestBytesMin = 10;

// Requests of one connection decoded but not yet answered. The reader stops reading while this
// many are in flight, so a pipelining client is slowed by TCP back pressure rather than by
// broker memory. librdkafka pipelines up to 5 per connection by default, kafka-python 5.
inline constexpr std::size_t kInFlightRequestsMax = 32;

// A Fetch response never carries more than this, whatever the client asks for.
inline constexpr int64_t kFetchResponseBytesMax = 64 * 1024 * 1024;
// Long polls are bounded so a fiber never waits on a client's whim for long.
inline constexpr int32_t kFetchWaitMsMax = 60 * 1000;

// Writing a response gets this long before the connection is considered dead.
inline constexpr int64_t kResponseWriteTimeoutMs = 30 * 1000;

static_assert(kRequestBytesMin < kRequestBytesMax);
static_assert(kFetchResponseBytesMax >= static_cast<int64_t>(log::kBatchBytesMax),
              "one batch of any allowed size must fit into a fetch response");
static_assert(kInFlightRequestsMax >= 5, "clients pipeline five requests by default");

}  // namespace brook::broker
