#include "core/client/kafka_connection.h"

#include "core/protocol/api_schema.h"
#include "core/protocol/request_header.h"
#include "core/protocol/response_header.h"

namespace brook::client {

using protocol::AnyRequest;
using protocol::AnyResponse;

Result<std::unique_ptr<KafkaConnection>> KafkaConnection::connect(Network& network,
                                                                 const Address& address,
                                                                 Instant deadline,
                                                                 std::string client_id) {
    TRY_ASSIGN(std::unique_ptr<Connection> connection, network.connect(address, deadline));
    return std::make_unique<KafkaConnection>(std::move(connection), std::move(client_id));
}

KafkaConnection::KafkaConnection(std::unique_ptr<Connection> connection, std::string client_id)
    : connection_(std::move(connection)), client_id_(std::move(client_id)) {}

Result<int32_t> KafkaConnection::send(const AnyRequest& request, int16_t version,
                                      bool expect_response, Instant deadline) {
    protocol::ApiKey api_key = protocol::api_key_of(request);
    protocol::RequestHeader header;
    header.api_key = api_key;
    header.api_version = version;
    header.correlation_id = next_correlation_id_++;
    header.client_id = client_id_;
    protocol::ByteWriter writer;
    writer.write_int32(0);
    header.encode(writer, protocol::request_header_version(api_key, version));
    protocol::encode_request(request, version, writer);
    writer.overwrite_int32(0, static_cast<int32_t>(writer.size() - 4));
    TRY(connection_->write(writer.bytes(), deadline));
    if (expect_response) outstanding_.push_back({header.correlation_id, api_key, version});
    return header.correlation_id;
}

Result<void> KafkaConnection::send_raw(std::span<const uint8_t> bytes, Instant deadline) {
    return connection_->write(bytes, deadline);
}

Result<AnyResponse> KafkaConnection::receive(Instant deadline) {
    if (outstanding_.empty()) {
        return Error(ErrorCode::invalid_argument, "receive with no request outstanding");
    }
    while (!frames_.complete()) {
        TRY_ASSIGN(std::size_t n, connection_->read(frames_.space(), deadline));  // May suspend.
        TRY(frames_.commit(n));
    }
    std::vector<uint8_t> frame = frames_.take();
    Outstanding expected = outstanding_.front();
    outstanding_.pop_front();
    protocol::ByteReader reader(frame);
    protocol::ResponseHeader header;
    TRY(header.decode(reader,
                      protocol::response_header_version(expected.api_key, expected.version)));
    if (header.correlation_id != expected.correlation_id) {
        return Error(ErrorCode::corruption,
                     fmt::format("response to correlation id {} while {} was expected",
                                 header.correlation_id, expected.correlation_id));
    }
    std::span<const uint8_t> body = std::span<const uint8_t>(frame).subspan(reader.position());
    if (expected.api_key == protocol::ApiKey::api_versions && expected.version > 0 &&
        body.size() >= 2 && body[0] == 0 && body[1] == 35) {
        // UNSUPPORTED_VERSION arrives in the v0 format whatever version was asked (KIP-511).
        return protocol::decode_response(expected.api_key, 0, body);
    }
    return protocol::decode_response(expected.api_key, expected.version, body);
}

Result<AnyResponse> KafkaConnection::call(const AnyRequest& request, int16_t version,
                                          Instant deadline) {
    if (!outstanding_.empty()) {
        return Error(ErrorCode::invalid_argument, "call with requests outstanding");
    }
    TRY(send(request, version, true, deadline));
    return receive(deadline);
}

}  // namespace brook::client
