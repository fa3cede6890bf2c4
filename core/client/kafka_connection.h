// One connection to a Kafka-protocol broker: request framing, correlation ids, pipelining.
// Written against core's Network, so it runs on epoll and in the simulator alike; the seed of
// Brook's client library (issue 5: producer, consumer, admin and the `brook` command line).
//
//   TRY_ASSIGN(auto kafka, KafkaConnection::connect(env.network, env.clock, broker, deadline));
//   TRY_ASSIGN(auto metadata, kafka->call<MetadataResponse>(MetadataRequest{}, 9, deadline));
//
//   // Pipelining: send several, then receive their responses in the same order.
//   TRY(kafka->send(first, 7));
//   TRY(kafka->send(second, 7));
//   TRY_ASSIGN(AnyResponse a, kafka->receive(deadline));    // the answer to `first`
//
// Kafka answers requests of one connection in order; a response whose correlation id is not
// that of the oldest outstanding request is corruption, and the connection is unusable after
// any error. Not for concurrent use by several fibers (one fiber sends and receives).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>

#include "core/base/result.h"
#include "core/io/clock.h"
#include "core/io/network.h"
#include "core/protocol/frame_assembler.h"
#include "core/protocol/generated/messages.h"

namespace brook::client {

// The largest response frame accepted (a Fetch of 64 MiB plus headers fits easily).
inline constexpr int64_t kResponseBytesMax = 128 * 1024 * 1024;

class KafkaConnection {
public:
    // May suspend.
    static Result<std::unique_ptr<KafkaConnection>> connect(Network& network,
                                                           const Address& address,
                                                           Instant deadline,
                                                           std::string client_id = "brook");

    KafkaConnection(std::unique_ptr<Connection> connection, std::string client_id);

    // Encodes and sends a request at `version` (valid for its API). Returns its correlation id.
    // `expect_response` false: nothing will come back (Produce with acks=0). May suspend.
    Result<int32_t> send(const protocol::AnyRequest& request, int16_t version,
                         bool expect_response = true, Instant deadline = kNever);

    // The response to the oldest outstanding request. May suspend.
    Result<protocol::AnyResponse> receive(Instant deadline);

    // send() then receive(); nothing else may be outstanding. May suspend.
    Result<protocol::AnyResponse> call(const protocol::AnyRequest& request, int16_t version,
                                       Instant deadline);

    template <typename Response, typename Request>
    Result<Response> call(const Request& request, int16_t version, Instant deadline) {
        TRY_ASSIGN(protocol::AnyResponse response,
                   call(protocol::AnyRequest(request), version, deadline));
        if (Response* typed = std::get_if<Response>(&response)) return std::move(*typed);
        return Error(ErrorCode::corruption, "response of another API");
    }

    // Bytes straight onto the wire (tests and fuzzing speak malformed protocol). May suspend.
    Result<void> send_raw(std::span<const uint8_t> bytes, Instant deadline = kNever);

    std::size_t outstanding() const { return outstanding_.size(); }
    const Address& peer() const { return connection_->peer(); }
    void close() { connection_->close(); }

private:
    struct Outstanding {
        int32_t correlation_id;
        protocol::ApiKey api_key;
        int16_t version;
    };

    std::unique_ptr<Connection> connection_;
    std::string client_id_;
    int32_t next_correlation_id_ = 1;
    std::deque<Outstanding> outstanding_;
    protocol::FrameAssembler frames_{kResponseBytesMax, 4};
};

}  // namespace brook::client
