// The handler table and the dispatch from a decoded request to its handler.
#include <algorithm>
#include <array>

#include "core/broker/request_handlers.h"
#include "core/protocol/generated/api_schemas.h"

namespace brook::broker {

using protocol::ApiKey;
using protocol::KafkaError;

namespace {

// The versions each handler serves. Minimums follow what clients probe for (librdkafka
// enables magic-v2 batches only if Produce 3 and Fetch 4 are in range; see
// ../shared/research/protocol.md); maximums stop where a newer version would need a feature
// Brook lacks (Fetch 13+ names topics by id, ListOffsets 7+ asks for max timestamps,
// Metadata 10+ carries topic ids).
constexpr std::array kHandlers = {
    // From v0, though only magic-v2 batches are stored (an old message set is refused per
    // partition): librdkafka 2.0 compresses with gzip, snappy or lz4 only when Produce 0 is
    // in range, and lz4 only when FindCoordinator 0 is too.
    HandlerSpec{ApiKey::produce, 0, 9},
    HandlerSpec{ApiKey::fetch, 4, 12},
    HandlerSpec{ApiKey::list_offsets, 0, 6},
    // v2-3 only (../shared/research/replication.md §5b): v2 is what librdkafka >= 2.1 sends,
    // v3 turns on the Java consumer's truncation check; v0-1 are deprecated, v4 is flexible.
    HandlerSpec{ApiKey::offset_for_leader_epoch, 2, 3},
    HandlerSpec{ApiKey::metadata, 0, 9},
    HandlerSpec{ApiKey::api_versions, 0, 3},
    HandlerSpec{ApiKey::create_topics, 0, 5},
    HandlerSpec{ApiKey::delete_topics, 0, 4},
    HandlerSpec{ApiKey::init_producer_id, 0, 4},
    HandlerSpec{ApiKey::describe_configs, 0, 4},
    HandlerSpec{ApiKey::alter_configs, 0, 2},
    HandlerSpec{ApiKey::create_partitions, 0, 2},
    HandlerSpec{ApiKey::incremental_alter_configs, 0, 1},
    HandlerSpec{ApiKey::describe_cluster, 0, 1},
    // The group APIs, in the ranges ../shared/research/protocol.md recommends: all
    // non-flexible, and JoinGroup, SyncGroup, Heartbeat, LeaveGroup and FindCoordinator from
    // v0, which librdkafka 2.0 probes (FindCoordinator 0 also turns on its lz4).
    HandlerSpec{ApiKey::find_coordinator, 0, 2},
    HandlerSpec{ApiKey::join_group, 0, 5},
    HandlerSpec{ApiKey::sync_group, 0, 3},
    HandlerSpec{ApiKey::heartbeat, 0, 3},
    HandlerSpec{ApiKey::leave_group, 0, 3},
    HandlerSpec{ApiKey::offset_commit, 2, 7},
    HandlerSpec{ApiKey::offset_fetch, 1, 5},
    HandlerSpec{ApiKey::describe_groups, 0, 4},
    HandlerSpec{ApiKey::list_groups, 0, 2},
    HandlerSpec{ApiKey::delete_groups, 0, 1},
    HandlerSpec{ApiKey::offset_delete, 0, 0},
    // A KRaft broker forwards it to the controller, as Kafka's brokers do, so tools that
    // reach only the brokers can describe the metadata quorum.
    HandlerSpec{ApiKey::describe_quorum, 0, 2, /*kraft_only=*/true},
};

constexpr bool handlers_within_codec() {
    for (const HandlerSpec& spec : kHandlers) {
        bool found = false;
        for (const protocol::ApiSchema& schema : protocol::kApiSchemas) {
            if (schema.api_key != spec.api_key) continue;
            found = true;
            if (spec.min_version < schema.min_version || spec.max_version > schema.max_version ||
                spec.min_version > spec.max_version) {
                return false;
            }
        }
        if (!found) return false;
    }
    return true;
}
static_assert(handlers_within_codec(), "a handler declares versions the codec cannot decode");

template <typename... Functions>
struct Overloaded : Functions... {
    using Functions::operator()...;
};
template <typename... Functions>
Overloaded(Functions...) -> Overloaded<Functions...>;

}  // namespace

std::span<const HandlerSpec> handler_specs() { return kHandlers; }

const HandlerSpec* find_handler(ApiKey api_key) {
    for (const HandlerSpec& spec : kHandlers) {
        if (spec.api_key == api_key) return &spec;
    }
    return nullptr;
}

protocol::ApiVersionsResponse unsupported_api_versions_response() {
    protocol::ApiVersionsResponse response;
    response.error_code = to_wire(KafkaError::unsupported_version);
    const HandlerSpec* spec = find_handler(ApiKey::api_versions);
    response.api_keys.push_back({static_cast<int16_t>(ApiKey::api_versions), spec->min_version,
                                 spec->max_version});
    return response;
}

protocol::ApiVersionsResponse handle_api_versions(BrokerServices& services,
                                                  const RequestContext& context,
                                                  const protocol::ApiVersionsRequest& request) {
    protocol::ApiVersionsResponse response;
    for (const HandlerSpec& spec : kHandlers) {
        if (!spec.offered(services.kraft())) continue;
        response.api_keys.push_back(
            {static_cast<int16_t>(spec.api_key), spec.min_version, spec.max_version});
    }
    std::sort(response.api_keys.begin(), response.api_keys.end(),
              [](const auto& a, const auto& b) { return a.api_key < b.api_key; });
    return response;
}

KafkaError storage_error_code(const Error& error) {
    switch (error.code()) {
        case ErrorCode::too_large: return KafkaError::message_too_large;
        case ErrorCode::unsupported: return KafkaError::unsupported_for_message_format;
        case ErrorCode::corruption: return KafkaError::corrupt_message;
        case ErrorCode::out_of_range: return KafkaError::offset_out_of_range;
        case ErrorCode::not_found: return KafkaError::unknown_topic_or_partition;
        case ErrorCode::invalid_argument: return KafkaError::invalid_request;
        default: return KafkaError::kafka_storage_error;
    }
}

std::optional<protocol::AnyResponse> dispatch(BrokerServices& services,
                                              const RequestContext& context,
                                              protocol::AnyRequest&& request) {
    using protocol::AnyResponse;
    auto& s = services;
    auto& c = context;
    return std::visit(
        Overloaded{
            [&](const protocol::ApiVersionsRequest& r) -> std::optional<AnyResponse> {
                return handle_api_versions(s, c, r);
            },
            [&](const protocol::MetadataRequest& r) -> std::optional<AnyResponse> {
                return handle_metadata(s, c, r);
            },
            [&](const protocol::DescribeClusterRequest& r) -> std::optional<AnyResponse> {
                return handle_describe_cluster(s, c, r);
            },
            [&](const protocol::FindCoordinatorRequest& r) -> std::optional<AnyResponse> {
                return handle_find_coordinator(s, c, r);
            },
            [&](const protocol::InitProducerIdRequest& r) -> std::optional<AnyResponse> {
                return handle_init_producer_id(s, c, r);
            },
            [&](const protocol::ProduceRequest& r) -> std::optional<AnyResponse> {
                std::optional<protocol::ProduceResponse> response = handle_produce(s, c, r);
                if (!response) return std::nullopt;
                return std::move(*response);
            },
            [&](const protocol::FetchRequest& r) -> std::optional<AnyResponse> {
                return handle_fetch(s, c, r);
            },
            [&](const protocol::ListOffsetsRequest& r) -> std::optional<AnyResponse> {
                return handle_list_offsets(s, c, r);
            },
            [&](const protocol::OffsetForLeaderEpochRequest& r) -> std::optional<AnyResponse> {
                return handle_offset_for_leader_epoch(s, c, r);
            },
            [&](const protocol::CreateTopicsRequest& r) -> std::optional<AnyResponse> {
                return handle_create_topics(s, c, r);
            },
            [&](const protocol::DeleteTopicsRequest& r) -> std::optional<AnyResponse> {
                return handle_delete_topics(s, c, r);
            },
            [&](const protocol::CreatePartitionsRequest& r) -> std::optional<AnyResponse> {
                return handle_create_partitions(s, c, r);
            },
            [&](const protocol::DescribeConfigsRequest& r) -> std::optional<AnyResponse> {
                return handle_describe_configs(s, c, r);
            },
            [&](const protocol::AlterConfigsRequest& r) -> std::optional<AnyResponse> {
                return handle_alter_configs(s, c, r);
            },
            [&](const protocol::IncrementalAlterConfigsRequest& r) -> std::optional<AnyResponse> {
                return handle_incremental_alter_configs(s, c, r);
            },
            [&](const protocol::JoinGroupRequest& r) -> std::optional<AnyResponse> {
                return handle_join_group(s, c, r);
            },
            [&](const protocol::SyncGroupRequest& r) -> std::optional<AnyResponse> {
                return handle_sync_group(s, c, r);
            },
            [&](const protocol::HeartbeatRequest& r) -> std::optional<AnyResponse> {
                return handle_heartbeat(s, c, r);
            },
            [&](const protocol::LeaveGroupRequest& r) -> std::optional<AnyResponse> {
                return handle_leave_group(s, c, r);
            },
            [&](const protocol::OffsetCommitRequest& r) -> std::optional<AnyResponse> {
                return handle_offset_commit(s, c, r);
            },
            [&](const protocol::OffsetFetchRequest& r) -> std::optional<AnyResponse> {
                return handle_offset_fetch(s, c, r);
            },
            [&](const protocol::DescribeGroupsRequest& r) -> std::optional<AnyResponse> {
                return handle_describe_groups(s, c, r);
            },
            [&](const protocol::ListGroupsRequest& r) -> std::optional<AnyResponse> {
                return handle_list_groups(s, c, r);
            },
            [&](const protocol::DeleteGroupsRequest& r) -> std::optional<AnyResponse> {
                return handle_delete_groups(s, c, r);
            },
            [&](const protocol::OffsetDeleteRequest& r) -> std::optional<AnyResponse> {
                return handle_offset_delete(s, c, r);
            },
            [&](const protocol::DescribeQuorumRequest& r) -> std::optional<AnyResponse> {
                return handle_describe_quorum(s, c, r);
            },
            [&](const auto&) -> std::optional<AnyResponse> {
                // The connection refuses APIs without a handler before decoding their body.
                UNREACHABLE("no handler for {}", protocol::api_key_name(c.header.api_key));
            },
        },
        request);
}

}  // namespace brook::broker
