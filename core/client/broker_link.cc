#include "core/client/broker_link.h"

#include "core/client/client_errors.h"

namespace brook::client {

using protocol::AnyRequest;
using protocol::AnyResponse;
using protocol::ApiKey;

std::optional<VersionRange> client_version_range(ApiKey api_key) {
    // What this library fills requests for; docs/design/client.md says why each bound.
    std::optional<VersionRange> range;
    switch (api_key) {
        case ApiKey::produce:
            range = VersionRange{3, 9};
            break;  // v3: record batches
        case ApiKey::fetch:
            range = VersionRange{4, 12};
            break;  // v13 names topics by id
        case ApiKey::list_offsets:
            range = VersionRange{1, 7};
            break;
        case ApiKey::metadata:
            range = VersionRange{1, 12};
            break;
        case ApiKey::api_versions:
            range = VersionRange{0, 3};
            break;
        case ApiKey::create_topics:
            range = VersionRange{4, 7};
            break;  // v4: default RF -1
        case ApiKey::delete_topics:
            range = VersionRange{1, 6};
            break;
        case ApiKey::create_partitions:
            range = VersionRange{0, 3};
            break;
        case ApiKey::describe_configs:
            range = VersionRange{1, 4};
            break;
        case ApiKey::alter_configs:
            range = VersionRange{0, 2};
            break;
        case ApiKey::incremental_alter_configs:
            range = VersionRange{0, 1};
            break;
        case ApiKey::list_groups:
            range = VersionRange{0, 4};
            break;
        case ApiKey::describe_groups:
            range = VersionRange{0, 5};
            break;
        case ApiKey::find_coordinator:
            range = VersionRange{0, 4};
            break;
        case ApiKey::offset_commit:
            range = VersionRange{2, 8};
            break;  // v9: member epochs
        case ApiKey::offset_fetch:
            range = VersionRange{1, 7};
            break;  // v8: many groups
        // The group member fills group.instance.id (JoinGroup v5, the others v3) and expects
        // JoinGroup's MEMBER_ID_REQUIRED round trip (v4+).
        case ApiKey::join_group:
            range = VersionRange{5, 9};
            break;
        case ApiKey::sync_group:
            range = VersionRange{3, 5};
            break;
        case ApiKey::heartbeat:
            range = VersionRange{3, 4};
            break;
        case ApiKey::leave_group:  // v0-2 name one member: fit_to_version moves it there
            range = VersionRange{0, 5};
            break;
        default:
            return std::nullopt;
    }
    const protocol::ApiSchema* schema = protocol::find_api_schema(api_key);
    if (schema == nullptr) return std::nullopt;
    range->max_version = std::min(range->max_version, schema->max_version);
    return range;
}

// One call waiting for its response; lives on the caller's stack while it is in pending_.
struct BrokerLink::Pending {
    std::optional<Result<AnyResponse>> result;
};

namespace {

// The highest version both sides speak, if any.
std::optional<int16_t> negotiate(ApiKey api_key, int16_t broker_min, int16_t broker_max) {
    std::optional<VersionRange> ours = client_version_range(api_key);
    if (!ours) return std::nullopt;
    int16_t high = std::min(ours->max_version, broker_max);
    int16_t low = std::max(ours->min_version, broker_min);
    if (high < low) return std::nullopt;
    return high;
}

// The request as `version` can carry it (the encoder asserts on a field the version lacks).
// Metadata below v4 has no allow_auto_topic_creation field (the broker's own
// auto.create.topics.enable decides), so a request that asks for no auto-creation is sent
// without it rather than refused. LeaveGroup below v3 names one member in member_id instead of
// the members array (brokers such as librdkafka 2.0's mock serve only v0-1): a single member
// without a group.instance.id moves there.
AnyRequest fit_to_version(const AnyRequest& request, int16_t version) {
    AnyRequest fitted = request;
    if (auto* metadata = std::get_if<protocol::MetadataRequest>(&fitted); metadata && version < 4) {
        metadata->allow_auto_topic_creation = true;
    }
    if (auto* leave = std::get_if<protocol::LeaveGroupRequest>(&fitted); leave && version < 3) {
        ASSERT(leave->members.size() == 1 && !leave->members.front().group_instance_id,
               "LeaveGroup v{} names exactly one dynamic member", version);
        leave->member_id = leave->members.front().member_id;
        leave->members.clear();
    }
    return fitted;
}

// ApiVersions at `version`; a broker that does not know it answers UNSUPPORTED_VERSION in the
// v0 format (KIP-511), and we ask again at v0. May suspend.
Result<protocol::ApiVersionsResponse> ask_versions(KafkaConnection& kafka, int16_t version,
                                                   Instant deadline) {
    protocol::ApiVersionsRequest request;
    if (version >= 3) {
        request.client_software_name = "brook";
        request.client_software_version = "0.1";
    }
    TRY_ASSIGN(auto response, kafka.call<protocol::ApiVersionsResponse>(request, version, deadline));
    if (protocol::kafka_error_from_wire(response.error_code) ==
        protocol::KafkaError::unsupported_version) {
        return kafka.call<protocol::ApiVersionsResponse>(request, int16_t{0}, deadline);
    }
    return response;
}

}  // namespace

Result<std::pair<std::unique_ptr<KafkaConnection>, protocol::ApiVersionsResponse>>
connect_and_ask_versions(Network& network, const Address& address, const std::string& client_id,
                         const std::string& where, Instant deadline) {
    Result<protocol::ApiVersionsResponse> answer = Error(ErrorCode::corruption, "not asked");
    for (int16_t version : {int16_t{3}, int16_t{2}}) {
        auto connected = KafkaConnection::connect(network, address, deadline, client_id);
        if (!connected) return connected.error().wrap(where + ": connect");
        std::unique_ptr<KafkaConnection> kafka = std::move(connected).value();
        answer = ask_versions(*kafka, version, deadline);
        if (answer) return std::make_pair(std::move(kafka), std::move(answer).value());
        kafka->close();
        if (answer.error().code() != ErrorCode::corruption) break;
    }
    return answer.error().wrap(where + ": ApiVersions");
}

BrokerLink::BrokerLink(Scheduler& scheduler, NodeId node,
                       std::unique_ptr<KafkaConnection> connection, ApiVersionTable versions)
    : scheduler_(scheduler),
      node_(node),
      address_(connection->peer()),
      connection_(std::move(connection)),
      versions_(std::move(versions)),
      send_mutex_(scheduler),
      progress_(scheduler) {}

BrokerLink::~BrokerLink() { ASSERT(pending_.empty(), "a broker link destroyed mid-call"); }

Result<std::shared_ptr<BrokerLink>> BrokerLink::open(Scheduler& scheduler, Network& network,
                                                     NodeId node, const Address& address,
                                                     const std::string& client_id,
                                                     Instant deadline) {
    std::string where = node.value() < 0
                            ? fmt::format("bootstrap server {}", address.to_string())
                            : fmt::format("broker {} ({})", node.value(), address.to_string());
    TRY_ASSIGN(auto connected,
               connect_and_ask_versions(network, address, client_id, where, deadline));
    auto [kafka, answer] = std::move(connected);
    auto error = protocol::kafka_error_from_wire(answer.error_code);
    if (error != protocol::KafkaError::none) {
        kafka->close();
        return kafka_failure(where + ": ApiVersions", error);
    }
    ApiVersionTable versions;
    for (const auto& api : answer.api_keys) {
        auto api_key = static_cast<ApiKey>(api.api_key);
        if (auto version = negotiate(api_key, api.min_version, api.max_version)) {
            versions[api_key] = *version;
        }
    }
    return std::make_shared<BrokerLink>(scheduler, node, std::move(kafka), std::move(versions));
}

std::optional<int16_t> BrokerLink::version(ApiKey api_key) const {
    auto found = versions_.find(api_key);
    if (found == versions_.end()) return std::nullopt;
    return found->second;
}

std::string BrokerLink::describe() const {
    if (node_.value() < 0) return fmt::format("bootstrap server {}", address_.to_string());
    return fmt::format("broker {} ({})", node_.value(), address_.to_string());
}

void BrokerLink::fail(const Error& error) {
    if (!broken_) broken_ = error;
    connection_->close();
    for (Pending* pending : pending_) {
        if (!pending->result) pending->result = Result<AnyResponse>(*broken_);
    }
    pending_.clear();
    progress_.notify_all();
}

void BrokerLink::close() { fail(Error(ErrorCode::disconnected, describe() + ": closed")); }

Result<void> BrokerLink::send_only(const AnyRequest& request, Instant deadline) {
    if (broken_) return *broken_;
    ApiKey api_key = protocol::api_key_of(request);
    std::optional<int16_t> use = version(api_key);
    if (!use) {
        return Error(ErrorCode::unsupported,
                     fmt::format("{}: no common version of {}", describe(), api_key_name(api_key)));
    }
    Mutex::Lock lock = send_mutex_.acquire();  // May suspend.
    if (broken_) return *broken_;
    auto sent = connection_->send(fit_to_version(request, *use), *use,
                                  /*expect_response=*/false, deadline);
    if (!sent) {
        fail(sent.error().wrap(describe()));
        return *broken_;
    }
    return {};
}

Result<void> BrokerLink::receive_one(Instant deadline) {
    auto response = connection_->receive(deadline);  // May suspend.
    if (broken_) return *broken_;                    // failed by someone else meanwhile
    if (!response) {
        Error error = response.error().code() == ErrorCode::timeout
                          ? Error(ErrorCode::timeout, describe() + ": request timed out")
                          : response.error().wrap(describe());
        fail(error);
        return error;
    }
    ASSERT(!pending_.empty(), "a response without a pending call");
    pending_.front()->result = std::move(response);
    pending_.pop_front();
    progress_.notify_all();
    return {};
}

Result<AnyResponse> BrokerLink::call(const AnyRequest& request, Instant deadline) {
    if (broken_) return *broken_;
    ApiKey api_key = protocol::api_key_of(request);
    std::optional<int16_t> use = version(api_key);
    if (!use) {
        return Error(ErrorCode::unsupported,
                     fmt::format("{}: no common version of {}", describe(), api_key_name(api_key)));
    }
    Pending pending;
    {
        Mutex::Lock lock = send_mutex_.acquire();  // May suspend.
        if (broken_) return *broken_;
        auto sent = connection_->send(fit_to_version(request, *use), *use,
                                      /*expect_response=*/true, deadline);
        if (!sent) {
            fail(sent.error().wrap(describe()));
            return *broken_;
        }
        pending_.push_back(&pending);
    }
    // A fiber unwound mid-call (its node crashed) must not leave its slot behind.
    struct Unlink {
        BrokerLink& link;
        Pending& pending;
        ~Unlink() {
            if (pending.result) return;
            auto at = std::find(link.pending_.begin(), link.pending_.end(), &pending);
            if (at != link.pending_.end()) {
                link.fail(Error(ErrorCode::disconnected, link.describe() + ": caller went away"));
            }
        }
    } unlink{*this, pending};
    while (!pending.result) {
        if (!reading_) {
            reading_ = true;
            Result<void> received = receive_one(deadline);  // May suspend.
            reading_ = false;
            progress_.notify_all();  // the reader role is free
            if (!received && !pending.result) return received.error();
        } else if (!progress_.wait(deadline)) {  // May suspend.
            if (pending.result) break;
            fail(Error(ErrorCode::timeout, describe() + ": request timed out"));
        }
    }
    return std::move(*pending.result);
}

}  // namespace brook::client
