// One client's TCP connection to the broker: framing, decoding, dispatch, and responses in
// request order.
//
//   ClientConnection connection(services, std::move(socket), listener_name, limits);
//   connection.serve();        // until the client leaves or breaks the protocol; May suspend
//   connection.stop();         // from another fiber: finish what is in flight, then close
//
// Pipeline, three kinds of fibers:
//   reader   assembles frames (the size prefix is checked against socket.request.max.bytes
//            BEFORE the frame's buffer exists), decodes header and body, queues a slot for the
//            response and spawns a handler fiber. It stops reading while kInFlightRequestsMax
//            requests are unanswered, so a pipelining client meets TCP back pressure.
//   handler  one per request: runs the API's handler and leaves the encoded response in its
//            slot. Handlers start in request order, and a Produce handler writes all its
//            batches before it first suspends, so appends keep the client's order; a slow
//            handler (a produce waiting for fsync, a long-polling fetch) does not hold up the
//            handling of the requests behind it, only the sending of their responses.
//   writer   (the serve() fiber) sends the slots' responses strictly in request order as each
//            becomes ready; a Produce with acks=0 has a slot that sends nothing.
// A malformed frame (undecodable header or body, unknown API, unserved version) or an oversize
// one closes the connection at once with ONE log line naming peer, API and reason; responses
// still in flight are dropped, as Kafka does. ApiVersions at an unserved version is answered
// with UNSUPPORTED_VERSION in the v0 format instead, so clients can retry lower. A connection
// with nothing in flight and no bytes for connections.max.idle.ms is closed.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "core/broker/request_handlers.h"
#include "core/io/network.h"
#include "core/runtime/wait_queue.h"

namespace brook::broker {

struct ConnectionLimits {
    int64_t request_bytes_max;
    Duration idle_timeout;
};

class ClientConnection {
public:
    ClientConnection(BrokerServices& services, std::unique_ptr<Connection> connection,
                     std::string listener_name, ConnectionLimits limits);
    ~ClientConnection();
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    // Serves until the client disconnects, breaks the protocol, idles out, or stop() has
    // drained it. Returns only when the reader fiber has finished too. May suspend.
    void serve();
    // Stop reading requests; answer the ones in flight, then close. Never suspends.
    void stop();

    const Address& peer() const { return peer_; }

private:
    struct Shared;
    struct Slot;

    void read_requests();
    // Decodes one frame and queues its slot; false when the connection must close.
    bool accept_frame(std::vector<uint8_t> frame);
    void refuse(const std::string& what, const std::string& reason);
    void queue_ready_response(const protocol::RequestHeader& header,
                              const protocol::AnyResponse& response, int16_t version);

    BrokerServices& services_;
    Address peer_;
    Address local_;
    std::string listener_name_;
    ConnectionLimits limits_;
    std::shared_ptr<Shared> shared_;
};

// The response frame: int32 size, the response header of the API's version, the body.
std::vector<uint8_t> encode_response_frame(int32_t correlation_id, protocol::ApiKey api_key,
                                           int16_t version, const protocol::AnyResponse& body);

}  // namespace brook::broker
