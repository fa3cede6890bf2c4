// How a broker reaches the active controller: requests over the CONTROLLER listener of the
// quorum leader, with core/client's KafkaConnection (Kafka's NodeToControllerChannelManager).
// The broker's request handlers forward metadata changes through it (it is their
// broker::ControllerForwarder), BrokerLifecycle registers and heartbeats through another, and a
// partition leader proposes its ISR changes through alter_partition().
//
//   ControllerLink link(env, {.self = NodeId(2), .voters = voters}, [&] { return quorum.leader(); });
//   TRY_ASSIGN(AnyResponse answer, link.send(AnyRequest(heartbeat), 1, deadline,
//                                            ControllerLink::Version::highest_up_to));
//
// Which controller: the quorum leader this node knows of (the leader source), at its address
// in controller.quorum.voters. When no leader is known, the connection fails or times out, or
// the answer says NOT_CONTROLLER anywhere in it (the leader moved), the link backs off
// (doubling from kControllerBackoffMin up to kControllerBackoffMax) and tries again, until
// the caller's deadline. Each attempt is bounded by the request timeout, and a connection
// whose request timed out is dropped (its answer would come out of order).
//
// A connection starts with ApiVersions, as Kafka's clients do, so a request is sent only at a
// version the controller serves: a version outside its range is an `unsupported` error, or,
// for Version::highest_up_to, lowered to the controller's highest.
//
// One connection, used by one fiber at a time (a KafkaConnection is not for concurrent use):
// fibers queue on a mutex per attempt and back off outside it. close() ends every attempt in
// progress or to come with `shutting_down`.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/base/logger.h"
#include "core/broker/controller_forwarder.h"
#include "core/client/kafka_connection.h"
#include "core/metadata/metadata_records.h"
#include "core/runtime/environment.h"
#include "core/runtime/mutex.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

// The backoff between attempts to reach the controller (Kafka's retry.backoff.ms and its
// exponential ceiling for the controller channel).
inline constexpr Duration kControllerBackoffMin = milliseconds(50);
inline constexpr Duration kControllerBackoffMax = seconds(1);
static_assert(kControllerBackoffMin <= kControllerBackoffMax);

// AlterPartition v3 carries each ISR member's broker epoch (KIP-903), which E4 needs; every
// KRaft controller serves it.
inline constexpr int16_t kAlterPartitionVersion = 3;

struct ControllerLinkOptions {
    NodeId self;                          // this broker: the client id and AllocateProducerIds
    std::map<NodeId, Address> voters;     // controller.quorum.voters
    Duration request_timeout = seconds(2);  // controller.quorum.request.timeout.ms, per attempt
    std::string purpose = "forwarding";   // in the client id and log lines
};

class ControllerLink final : public broker::ControllerForwarder {
public:
    // The quorum leader as this node knows it; nullopt while none is known.
    using LeaderSource = std::function<std::optional<NodeId>()>;
    // This broker's current epoch (-1 while unregistered), for AllocateProducerIds.
    using BrokerEpochSource = std::function<metadata::BrokerEpoch()>;

    enum class Version { exact, highest_up_to };

    ControllerLink(Environment& env, ControllerLinkOptions options, LeaderSource leader);
    // No fiber may still be inside send() (close() and let them return first).
    ~ControllerLink() override;
    ControllerLink(const ControllerLink&) = delete;
    ControllerLink& operator=(const ControllerLink&) = delete;

    // Sends `request` to the active controller and returns its answer: never one that says
    // NOT_CONTROLLER. Errors: timeout (no controller answered by `deadline`), unsupported (the
    // controller does not serve the version), shutting_down (after close()). May suspend.
    Result<protocol::AnyResponse> send(const protocol::AnyRequest& request, int16_t version,
                                       Instant deadline, Version choice = Version::exact);

    // broker::ControllerForwarder: send() at exactly the client's version, with this broker's
    // id and epoch filled into an AllocateProducerIdsRequest. May suspend.
    Result<protocol::AnyResponse> forward(protocol::AnyRequest request, int16_t version,
                                          Instant deadline) override;
    void set_broker_epoch_source(BrokerEpochSource source) { broker_epoch_ = std::move(source); }

    // A partition leader's AlterPartition at kAlterPartitionVersion (the ISR with broker
    // epochs), with this broker's id and epoch filled in. Its answer once the controller
    // committed the change (per-partition errors inside); errors as send(). May suspend.
    Result<protocol::AlterPartitionResponse> alter_partition(
        protocol::AlterPartitionRequest request, Instant deadline);

    // Ends every send() in progress and refuses new ones. Never suspends.
    void close();

private:
    // One try: connect to the leader if needed, send, receive. A disconnected/timeout error
    // means try again; NOT_CONTROLLER comes back as a response. May suspend.
    Result<protocol::AnyResponse> attempt(NodeId leader, const protocol::AnyRequest& request,
                                          int16_t version, Version choice, Instant deadline);
    // Connects to `leader` and learns its API versions. May suspend.
    Result<void> connect(NodeId leader, Instant deadline);
    void drop_connection();
    // Sleeps until `until` or close(). May suspend.
    void back_off(Instant until);

    Environment& env_;
    ControllerLinkOptions options_;
    LeaderSource leader_;
    BrokerEpochSource broker_epoch_;
    Logger log_;
    Mutex mutex_;
    WaitQueue closed_wake_;
    std::unique_ptr<client::KafkaConnection> connection_;
    std::optional<NodeId> connected_to_;
    // The controller's version range per API key, from ApiVersions on this connection.
    std::map<int16_t, std::pair<int16_t, int16_t>> versions_;
    bool closed_ = false;
};

// Whether a response says NOT_CONTROLLER at its top level or for any of its items.
bool says_not_controller(const protocol::AnyResponse& response);

}  // namespace brook::node
