// Fuzzes request decoding across every API and version Brook has a codec for: the input is a
// request frame without its size prefix (header, then body). A frame that decodes must
// re-encode and decode to an equal value, and re-encoding that must give the same bytes. The body
// is also decoded as the response of the same API and version, to cover the response decoders.
// Malformed input must only ever produce an error.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/protocol/api_schema.h"
#include "core/protocol/byte_reader.h"
#include "core/protocol/byte_writer.h"
#include "core/protocol/generated/messages.h"
#include "core/protocol/request_header.h"

namespace {

using namespace brook::protocol;

template <typename Any, typename Decode, typename Encode>
void check_round_trip(const Any& message, int16_t version, Decode decode, Encode encode) {
    ByteWriter first;
    encode(message, version, first);
    auto again = decode(api_key_of(message), version, std::span<const uint8_t>(first.bytes()));
    ASSERT(again.ok(), "re-encoded {} v{} fails to decode: {}", api_key_name(api_key_of(message)),
           version, again.error().describe());
    ASSERT(*again == message, "{} v{} changed in a round trip", api_key_name(api_key_of(message)),
           version);
    ByteWriter second;
    encode(*again, version, second);
    ASSERT(second.bytes() == first.bytes(), "{} v{} encoding is not canonical",
           api_key_name(api_key_of(message)), version);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const uint8_t> input(data, size);
    ByteReader reader(input);
    auto header = decode_request_header(reader);
    if (!header) return 0;
    int16_t header_version = request_header_version(header->api_key, header->api_version);
    ByteWriter header_bytes;
    header->encode(header_bytes, header_version);
    ASSERT(header_bytes.size() <= reader.position(), "request header grew when re-encoded");

    auto body = input.subspan(reader.position());
    auto request = decode_request(header->api_key, header->api_version, body);
    if (request) check_round_trip(*request, header->api_version, decode_request, encode_request);
    auto response = decode_response(header->api_key, header->api_version, body);
    if (response) {
        check_round_trip(*response, header->api_version, decode_response, encode_response);
    }
    return 0;
}
