// One live connection to one broker, shared by every fiber of a client: negotiated API versions
// and pipelined calls. Several fibers may call() at once; their requests go out in call order
// and the responses come back in the same order (Kafka answers a connection's requests in
// order), each to the fiber that asked.
//
//   TRY_ASSIGN(std::shared_ptr<BrokerLink> link, cluster.leader_link(tp, deadline));
//   TRY_ASSIGN(auto response, link->call<protocol::MetadataResponse>(request, deadline));
//
// There is no background reader: the first waiting fiber reads responses for everyone until its
// own arrives, then hands the job to the next waiter. Any failure - a write or read error, a
// response that does not decode, or a request whose deadline passes (request.timeout.ms, as the
// Java client does) - breaks the link: the connection is closed and every outstanding call fails
// with that error. A broken link stays broken; the Cluster replaces it.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/client/kafka_connection.h"
#include "core/protocol/api_key.h"
#include "core/protocol/api_schema.h"
#include "core/runtime/mutex.h"
#include "core/runtime/wait_queue.h"

namespace brook::client {

// The version range Brook's client code fills requests for, per API: within the codec's
// schemas, and no higher than the client knows the fields of (Fetch v13 names topics by id,
// which this client does not track). nullopt for an API the client never sends.
struct VersionRange {
    int16_t min_version;
    int16_t max_version;
};
std::optional<VersionRange> client_version_range(protocol::ApiKey api_key);

// The version of each API this link speaks: the highest both the broker and Brook's client
// support (see api_version_range in cluster.h).
using ApiVersionTable = std::map<protocol::ApiKey, int16_t>;

// A connection that has answered ApiVersions, and the answer (whose error code the caller
// checks). First at v3 (flexible: it carries our software name); a broker that answers the v3
// refusal in a flexible frame instead of KIP-511's v0 frame (librdkafka's mock cluster does)
// leaves a response we cannot decode, so we reconnect and ask at v2, which every broker answers
// in a form we can read. `where` names the peer in errors. May suspend.
Result<std::pair<std::unique_ptr<KafkaConnection>, protocol::ApiVersionsResponse>>
connect_and_ask_versions(Network& network, const Address& address, const std::string& client_id,
                         const std::string& where, Instant deadline);

class BrokerLink {
public:
    BrokerLink(Scheduler& scheduler, NodeId node, std::unique_ptr<KafkaConnection> connection,
               ApiVersionTable versions);
    // No call may be in progress.
    ~BrokerLink();
    BrokerLink(const BrokerLink&) = delete;
    BrokerLink& operator=(const BrokerLink&) = delete;

    // Connects, asks ApiVersions and negotiates. May suspend.
    static Result<std::shared_ptr<BrokerLink>> open(Scheduler& scheduler, Network& network,
                                                    NodeId node, const Address& address,
                                                    const std::string& client_id, Instant deadline);

    // Sends `request` at the negotiated version and waits for its response. Fails with
    // `unsupported` when the broker serves no version Brook can speak, with the link's error
    // when the link breaks. May suspend.
    Result<protocol::AnyResponse> call(const protocol::AnyRequest& request, Instant deadline);

    template <typename Response, typename Request>
    Result<Response> call(const Request& request, Instant deadline) {
        TRY_ASSIGN(protocol::AnyResponse response, call(protocol::AnyRequest(request), deadline));
        if (Response* typed = std::get_if<Response>(&response)) return std::move(*typed);
        return Error(ErrorCode::corruption, describe() + ": response of another API");
    }

    // Sends a request that gets no response (Produce with acks=0). May suspend.
    Result<void> send_only(const protocol::AnyRequest& request, Instant deadline);

    // The negotiated version, or nullopt when the broker serves none Brook speaks.
    std::optional<int16_t> version(protocol::ApiKey api_key) const;

    NodeId node() const { return node_; }
    const Address& address() const { return address_; }
    bool broken() const { return broken_.has_value(); }
    // Calls sent and not yet answered.
    std::size_t in_flight() const { return pending_.size(); }
    // "broker 1 (n1:9092)", for error messages.
    std::string describe() const;
    // Breaks the link on purpose (the Cluster drops a link whose broker moved).
    void close();

private:
    struct Pending;

    void fail(const Error& error);
    Result<void> receive_one(Instant deadline);

    Scheduler& scheduler_;
    NodeId node_;
    Address address_;
    std::unique_ptr<KafkaConnection> connection_;
    ApiVersionTable versions_;
    Mutex send_mutex_;
    WaitQueue progress_;            // a response arrived, or the reader role became free
    std::deque<Pending*> pending_;  // in request order; each lives on its caller's stack
    bool reading_ = false;
    std::optional<Error> broken_;
};

}  // namespace brook::client
