// Hand-built, byte-exact messages: headers, an ApiVersions exchange as librdkafka performs it,
// tagged fields, the version tables and decoding of malformed bodies.
#include <catch2/catch.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/protocol/api_schema.h"
#include "core/protocol/error_code.h"
#include "core/protocol/generated/api_schemas.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"
#include "core/protocol/response_header.h"

namespace brook::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes all;
    for (const Bytes& part : parts) all.insert(all.end(), part.begin(), part.end());
    return all;
}

Bytes text(std::string_view value) { return Bytes(value.begin(), value.end()); }

// librdkafka 2.0.2's first request: ApiVersions v3, request header v2, client id "rdkafka".
Bytes librdkafka_api_versions_v3() {
    return concat({
        {0x00, 0x12},              // api key 18
        {0x00, 0x03},              // api version 3
        {0x00, 0x00, 0x00, 0x01},  // correlation id 1
        {0x00, 0x07}, text("rdkafka"),  // client id: classic int16 string even in header v2
        {0x00},                    // header tagged fields: none
        {0x0b}, text("librdkafka"),  // ClientSoftwareName: compact string, length 10 + 1
        {0x06}, text("2.0.2"),     // ClientSoftwareVersion
        {0x00},                    // body tagged fields: none
    });
}

TEST_CASE("protocol: an ApiVersions v3 request as librdkafka sends it", "[protocol]") {
    Bytes frame = librdkafka_api_versions_v3();
    ByteReader reader(frame);
    auto header = decode_request_header(reader);
    REQUIRE(header.ok());
    REQUIRE(header->api_key == ApiKey::api_versions);
    REQUIRE(header->api_version == 3);
    REQUIRE(header->correlation_id == 1);
    REQUIRE(header->client_id == std::optional<std::string>("rdkafka"));

    auto body = std::span<const uint8_t>(frame).subspan(reader.position());
    auto request = decode_request(header->api_key, header->api_version, body);
    REQUIRE(request.ok());
    const auto& api_versions = std::get<ApiVersionsRequest>(*request);
    REQUIRE(api_versions.client_software_name == "librdkafka");
    REQUIRE(api_versions.client_software_version == "2.0.2");

    ByteWriter writer;
    header->encode(writer, request_header_version(ApiKey::api_versions, 3));
    encode_request(*request, 3, writer);
    REQUIRE(writer.bytes() == frame);
}

TEST_CASE("protocol: an ApiVersions v0 request with header v1 has an empty body", "[protocol]") {
    Bytes frame = concat({{0x00, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x03},
                          text("abc")});
    ByteReader reader(frame);
    auto header = decode_request_header(reader);
    REQUIRE(header.ok());
    REQUIRE(request_header_version(header->api_key, header->api_version) == 1);
    REQUIRE(header->correlation_id == 42);
    REQUIRE(header->client_id == std::optional<std::string>("abc"));
    REQUIRE(reader.empty());
    auto request = decode_request(ApiKey::api_versions, 0, {});
    REQUIRE(request.ok());
    REQUIRE(std::get<ApiVersionsRequest>(*request) == ApiVersionsRequest{});
}

TEST_CASE("protocol: request header versions 0-2 and a null client id", "[protocol]") {
    // Designated initialisers that omit members trip -Wmissing-field-initializers; assign.
    RequestHeader header;
    header.api_key = ApiKey::metadata;
    header.api_version = 4;
    header.correlation_id = -7;
    ByteWriter v0;
    header.encode(v0, 0);
    REQUIRE(v0.bytes() == Bytes{0x00, 0x03, 0x00, 0x04, 0xff, 0xff, 0xff, 0xf9});
    ByteWriter v1;
    header.encode(v1, 1);
    REQUIRE(v1.bytes() == Bytes{0x00, 0x03, 0x00, 0x04, 0xff, 0xff, 0xff, 0xf9, 0xff, 0xff});
    ByteWriter v2;
    header.encode(v2, 2);
    REQUIRE(v2.bytes() ==
            Bytes{0x00, 0x03, 0x00, 0x04, 0xff, 0xff, 0xff, 0xf9, 0xff, 0xff, 0x00});
    for (int16_t version = 0; version <= 2; ++version) {
        ByteWriter writer;
        header.encode(writer, version);
        ByteReader reader(writer.bytes());
        RequestHeader decoded;
        REQUIRE(decoded.decode(reader, version).ok());
        REQUIRE(decoded == header);
        REQUIRE(reader.empty());
    }
}

TEST_CASE("protocol: response headers, and ApiVersions answers with header v0", "[protocol]") {
    ResponseHeader header;
    header.correlation_id = 258;
    ByteWriter v0;
    header.encode(v0, 0);
    REQUIRE(v0.bytes() == Bytes{0, 0, 1, 2});
    ByteWriter v1;
    header.encode(v1, 1);
    REQUIRE(v1.bytes() == Bytes{0, 0, 1, 2, 0});
    REQUIRE(response_header_version(ApiKey::api_versions, 3) == 0);
    REQUIRE(response_header_version(ApiKey::metadata, 9) == 1);
    REQUIRE(response_header_version(ApiKey::metadata, 8) == 0);
    REQUIRE(request_header_version(ApiKey::api_versions, 3) == 2);
    REQUIRE(request_header_version(ApiKey::api_versions, 2) == 1);
    // A client may send an ApiVersions version above the broker's: flexibility is open-ended.
    REQUIRE(request_header_version(ApiKey::api_versions, 9) == 2);
    REQUIRE(request_header_version(static_cast<ApiKey>(999), 5) == 1);
}

TEST_CASE("protocol: the version tables come from the schemas", "[protocol]") {
    const ApiSchema* produce = find_api_schema(ApiKey::produce);
    REQUIRE(produce != nullptr);
    REQUIRE(produce->min_version == 0);
    REQUIRE(produce->max_version == 11);
    REQUIRE(produce->flexible_from == 9);
    REQUIRE(is_flexible(ApiKey::produce, 9));
    REQUIRE_FALSE(is_flexible(ApiKey::produce, 8));
    REQUIRE_FALSE(is_flexible(ApiKey::sasl_handshake, 1));
    REQUIRE(find_api_schema(ApiKey::sasl_handshake)->flexible_from == kNeverFlexible);
    REQUIRE(is_supported_version(ApiKey::fetch, 17));
    REQUIRE_FALSE(is_supported_version(ApiKey::fetch, 18));
    REQUIRE(find_api_schema(ApiKey::leader_and_isr) == nullptr);
    REQUIRE(kApiSchemas.size() == 37);
    REQUIRE(FetchRequest::flexible_from == 12);
    REQUIRE(api_key_name(ApiKey::api_versions) == "ApiVersions");
    REQUIRE(kafka_error_name(KafkaError::unknown_topic_or_partition) ==
            "UNKNOWN_TOPIC_OR_PARTITION");
    REQUIRE(to_wire(KafkaError::unsupported_version) == 35);
    REQUIRE(to_wire(KafkaError::unknown_server_error) == -1);
}

// ApiVersionsResponse v3: error, one api key, throttle, then tags 1 (int64) and 3 (bool).
Bytes api_versions_response_v3(Bytes tagged_section) {
    return concat({
        {0x00, 0x00},                                // error code
        {0x02},                                      // compact array of 1
        {0x00, 0x12, 0x00, 0x00, 0x00, 0x03, 0x00},  // key 18, min 0, max 3, no tags
        {0x00, 0x00, 0x00, 0x00},                    // throttle time
        tagged_section,
    });
}

TEST_CASE("protocol: tagged fields are written in tag order only when not default",
          "[protocol]") {
    ApiVersionsResponse response;
    auto& api_versions = response.api_keys.emplace_back();
    api_versions.api_key = 18;
    api_versions.max_version = 3;
    ByteWriter plain;
    response.encode(plain, 3);
    REQUIRE(plain.bytes() == api_versions_response_v3({0x00}));

    response.finalized_features_epoch = 5;
    response.zk_migration_ready = true;
    ByteWriter tagged;
    response.encode(tagged, 3);
    Bytes expected = api_versions_response_v3(
        {0x02, 0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05, 0x03, 0x01, 0x01});
    REQUIRE(tagged.bytes() == expected);

    auto decoded = decode_response(ApiKey::api_versions, 3, expected);
    REQUIRE(decoded.ok());
    REQUIRE(std::get<ApiVersionsResponse>(*decoded) == response);
}

TEST_CASE("protocol: unknown tags are skipped, a known tag with a bad size is corruption",
          "[protocol]") {
    Bytes with_unknown = api_versions_response_v3(
        {0x02, 0x03, 0x01, 0x01, 0x07, 0x02, 0xaa, 0xbb});  // tag 3 = true, tag 7 unknown
    auto decoded = decode_response(ApiKey::api_versions, 3, with_unknown);
    REQUIRE(decoded.ok());
    REQUIRE(std::get<ApiVersionsResponse>(*decoded).zk_migration_ready);

    Bytes oversized = api_versions_response_v3({0x01, 0x03, 0x02, 0x01, 0x00});
    auto bad = decode_response(ApiKey::api_versions, 3, oversized);
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().code() == ErrorCode::corruption);
    REQUIRE(bad.error().context().find("zk_migration_ready") != std::string::npos);
}

TEST_CASE("protocol: ignorable fields are dropped for versions without them", "[protocol]") {
    ProduceResponse response;
    response.throttle_time_ms = 100;  // v1+, ignorable
    response.responses.emplace_back().name = "t";
    ByteWriter writer;
    response.encode(writer, 0);
    ProduceResponse decoded;
    ByteReader reader(writer.bytes());
    REQUIRE(decoded.decode(reader, 0).ok());
    REQUIRE(decoded.throttle_time_ms == 0);
    REQUIRE(decoded.responses == response.responses);
}

TEST_CASE("protocol: defaults from the schemas apply to absent fields", "[protocol]") {
    MetadataRequest request;
    REQUIRE(request.allow_auto_topic_creation);  // "default": "true"
    REQUIRE(request.topics.has_value());         // nullable arrays default to empty, not null
    ProduceRequest produce;
    REQUIRE_FALSE(produce.transactional_id.has_value());  // "default": "null"
    FetchRequest fetch;
    REQUIRE(fetch.replica_id == -1);
    REQUIRE(fetch.max_bytes == 0x7fffffff);
    REQUIRE(fetch.isolation_level == 0);
}

TEST_CASE("protocol: every strict prefix of a request fails to decode", "[protocol]") {
    MetadataRequest request;
    request.topics->emplace_back().name = "orders";
    for (int16_t version : {int16_t{1}, int16_t{4}, int16_t{9}, int16_t{12}}) {
        ByteWriter writer;
        request.encode(writer, version);
        std::span<const uint8_t> bytes = writer.bytes();
        REQUIRE(decode_request(ApiKey::metadata, version, bytes).ok());
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            auto decoded = decode_request(ApiKey::metadata, version, bytes.first(size));
            REQUIRE_FALSE(decoded.ok());
            REQUIRE(decoded.error().code() == ErrorCode::corruption);
        }
    }
}

TEST_CASE("protocol: malformed bodies are errors, never crashes", "[protocol]") {
    // Metadata v1: a topic count of 2^31-1 with 10 bytes left.
    Bytes huge_count{0x7f, 0xff, 0xff, 0xff, 0, 1, 'a', 0, 1, 'b', 0, 1, 'c', 0};
    auto decoded = decode_request(ApiKey::metadata, 1, huge_count);
    REQUIRE_FALSE(decoded.ok());
    REQUIRE(decoded.error().code() == ErrorCode::corruption);

    // Metadata v0 has no null topic array; v1 has.
    Bytes null_topics{0xff, 0xff, 0xff, 0xff};
    REQUIRE_FALSE(decode_request(ApiKey::metadata, 0, null_topics).ok());
    auto v1 = decode_request(ApiKey::metadata, 1, null_topics);
    REQUIRE(v1.ok());
    REQUIRE_FALSE(std::get<MetadataRequest>(*v1).topics.has_value());

    // Trailing bytes after a whole body.
    Bytes trailing{0, 0, 0, 0, 0x99};
    REQUIRE(decode_request(ApiKey::metadata, 1, trailing).error().code() ==
            ErrorCode::corruption);

    auto unknown_version = decode_request(ApiKey::produce, 12, {});
    REQUIRE(unknown_version.error().code() == ErrorCode::unsupported);
    auto unknown_api = decode_request(ApiKey::leader_and_isr, 0, {});
    REQUIRE(unknown_api.error().code() == ErrorCode::unsupported);
}

TEST_CASE("protocol: Produce v3 carries a null transactional id and a record blob",
          "[protocol]") {
    Bytes body = concat({
        {0xff, 0xff},              // transactional id: null
        {0xff, 0xff},              // acks -1
        {0x00, 0x00, 0x75, 0x30},  // timeout 30000
        {0x00, 0x00, 0x00, 0x01},  // one topic
        {0x00, 0x01}, text("t"),
        {0x00, 0x00, 0x00, 0x01},  // one partition
        {0x00, 0x00, 0x00, 0x02},  // partition 2
        {0x00, 0x00, 0x00, 0x03, 0xaa, 0xbb, 0xcc},  // records: 3 bytes
    });
    auto decoded = decode_request(ApiKey::produce, 3, body);
    REQUIRE(decoded.ok());
    const auto& produce = std::get<ProduceRequest>(*decoded);
    REQUIRE_FALSE(produce.transactional_id.has_value());
    REQUIRE(produce.acks == -1);
    REQUIRE(produce.timeout_ms == 30000);
    REQUIRE(produce.topic_data.at(0).name == "t");
    REQUIRE(produce.topic_data.at(0).partition_data.at(0).index == 2);
    REQUIRE(produce.topic_data.at(0).partition_data.at(0).records == Bytes{0xaa, 0xbb, 0xcc});
    ByteWriter writer;
    encode_request(*decoded, 3, writer);
    REQUIRE(writer.bytes() == body);
}

}  // namespace
}  // namespace brook::protocol
