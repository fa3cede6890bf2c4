// How a quorum node's Raft messages travel between nodes. The driver (QuorumNode) only sends
// and receives `raft::Message` values; the channel owns connections, Kafka's framing and the
// codec of the KRaft RPCs (KafkaQuorumChannel, over the Network seam), so the same driver runs
// over real sockets and the simulated network.
//
//   channel.send(raft::Message{...});                 // never suspends; may be lost
//   while (auto message = channel.receive()) node.step(*message);   // May suspend.
#pragma once

#include <optional>

#include "core/raft/raft_messages.h"

namespace brook::quorum {

class QuorumChannel {
public:
    virtual ~QuorumChannel() = default;

    // Hands a message addressed to message.to over to the channel. A request goes on this node's
    // connection to that peer; a response goes back on the connection its request came in on,
    // with that request's correlation id. Never suspends. Delivery is not promised (a peer down,
    // a broken connection, a response whose connection is gone): Raft's timers resend.
    virtual void send(raft::Message message) = 0;

    // The next message addressed to this node, requests and responses alike, in arrival order;
    // nullopt once close() was called. A malformed frame is never returned: it closes its
    // connection with a log line naming the peer. May suspend.
    virtual std::optional<raft::Message> receive() = 0;

    // Ends every receive() wait with nullopt and drops the connections.
    virtual void close() = 0;
};

}  // namespace brook::quorum
