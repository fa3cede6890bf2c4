// The QuorumChannel over the Network seam: Raft's messages as Kafka's KRaft RPCs on the
// controller listener (quorum_codec.h has the translation).
//
//   KafkaQuorumChannel channel(env, {.self = NodeId(1), .listen = {"10.0.0.1", 9093},
//                                    .voters = {{NodeId(2), {"10.0.0.2", 9093}}, ...},
//                                    .cluster_id = "abc"});
//   TRY(channel.start());
//   channel.set_status_source([&] { return node.status(); });   // answers DescribeQuorum
//   channel.send(message);                                       // never suspends
//   while (auto message = channel.receive()) ...                 // May suspend.
//
// Outgoing: one connection per peer, opened at the first request for it and reopened after a
// failure with a doubling backoff (kReconnectBackoffMs .. kReconnectBackoffMaxMs). Requests go
// out framed with a request header (client id `raft-<self>`) under a wire correlation id of
// the connection; the peer's answer is matched by that id and delivered with the request's raft
// correlation id and from = the peer. A connection's unanswered requests are forgotten when it
// breaks: Raft's timers resend.
//
// Incoming: every accepted connection gets a reader fiber and a writer fiber. A request is
// delivered with from = its body's candidate, leader or replica id and a channel-unique
// correlation id; the driver's response to that id goes back on the same connection with the
// request's wire correlation id and version (dropped silently if the connection is gone).
// DescribeQuorum is answered by the channel from the status source. A malformed frame, an API
// or version the quorum does not serve, or a request naming another cluster id closes that one
// connection with a log line naming the peer and the reason.
//
// Other APIs (the controller's: BrokerRegistration, CreateTopics, ApiVersions, ...) go to the
// request handler when one is set, in the connection's reader fiber, one at a time: the next
// request of that connection is not read before the handler answered, so a connection's
// answers leave in request order (Java and librdkafka clients require it) and a connection
// holds at most one such request. A connection that mixed Raft's RPCs with others could see a
// Raft answer overtaken; no client does (a voter's Raft connection carries only Raft). The
// handler's nullopt, or an API the handler does not serve, closes the connection with a log line.
//
// Every queue is bounded (quorum_limits.h). Fibers hold the channel's state, not the channel:
// close() (or the destructor) ends them, and a crash of the node's fiber group kills them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/io/network.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/quorum/quorum_channel.h"
#include "core/quorum/quorum_status.h"
#include "core/runtime/environment.h"

namespace brook::quorum {

struct QuorumChannelConfig {
    raft::NodeId self;
    Address listen;                              // this node's controller listener
    std::map<raft::NodeId, Address> voters;      // controller.quorum.voters (parsed by the
                                                 // broker's KraftConfig); self is skipped
    std::string cluster_id;                      // requests naming another one are refused
};

class KafkaQuorumChannel final : public QuorumChannel {
public:
    KafkaQuorumChannel(Environment& env, QuorumChannelConfig config);
    // close()s.
    ~KafkaQuorumChannel() override;
    KafkaQuorumChannel(const KafkaQuorumChannel&) = delete;
    KafkaQuorumChannel& operator=(const KafkaQuorumChannel&) = delete;

    // Listens on config.listen and starts accepting. The error of a failed listen.
    Result<void> start();

    // What DescribeQuorum answers; until set, DescribeQuorum closes its connection.
    void set_status_source(std::function<QuorumStatus()> source);

    // Answers a request of an API that is not Raft's; nullopt for an API it does not serve. It
    // gets the request decoded at header.api_version; for an ApiVersions request at a version
    // Brook has no codec for, an empty ApiVersionsRequest, and its answer goes out at v0 (Kafka
    // answers UNSUPPORTED_VERSION so). The response must be of the request's API. May suspend.
    using RequestHandler = std::function<std::optional<protocol::AnyResponse>(
        const protocol::RequestHeader&, protocol::AnyRequest&&)>;
    void set_request_handler(RequestHandler handler);

    // The bound listener address (the real port when config.listen has port 0).
    Address local_address() const;

    void send(raft::Message message) override;
    std::optional<raft::Message> receive() override;  // May suspend.
    void close() override;

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace brook::quorum
