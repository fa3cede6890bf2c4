// snappy, in the two shapes Kafka clients send:
//  - raw snappy (one block, led by its uncompressed length as a varint): librdkafka, kafkajs;
//  - snappy-java's stream framing (what the Java client's SnappyOutputStream and kafka-python's
//    xerial mode write): the 8-byte magic "\x82SNAPPY\0", version and minimum compatible
//    version as big-endian int32 (1 and 1), then chunks of a big-endian int32 length and one raw
//    snappy block of that length.
// The two are told apart by the magic, as librdkafka and snappy-java do: a raw block could in
// theory start with those 8 bytes, but no client's decoder would read it as raw either.
//
// Encoding is raw, like librdkafka: every Kafka client decodes it (snappy-java's
// SnappyInputStream falls back to raw when the magic is missing; kafka-python and librdkafka
// look for the magic first), and it saves the 16-byte header and 4 bytes per 32 KiB chunk.
#include <snappy.h>

#include <array>

#include "core/compression/codecs.h"
#include "core/base/big_endian.h"

namespace brook::compression::detail {
namespace {

constexpr std::array<uint8_t, 8> kJavaMagic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
constexpr std::size_t kJavaHeaderBytes = kJavaMagic.size() + 4 + 4;
constexpr std::size_t kJavaChunkLengthBytes = 4;

bool has_java_magic(std::span<const uint8_t> input) {
    return input.size() >= kJavaMagic.size() &&
           std::equal(kJavaMagic.begin(), kJavaMagic.end(), input.begin());
}

// Decodes one raw block and appends it to `out`, which must stay within max_output_bytes.
Result<void> append_raw_block(std::span<const uint8_t> block, std::size_t max_output_bytes,
                              Bytes& out) {
    const char* data = reinterpret_cast<const char*>(block.data());
    std::size_t length = 0;
    if (!snappy::GetUncompressedLength(data, block.size(), &length)) {
        return corrupt("snappy", "bad block length");
    }
    if (length > max_output_bytes - out.size()) return too_large("snappy", max_output_bytes);
    // The declared length is now bounded by the limit, but a lying header could still make us
    // allocate up to the limit: validate the whole block before allocating.
    if (!snappy::IsValidCompressedBuffer(data, block.size())) return corrupt("snappy", "bad block");
    std::size_t at = out.size();
    out.resize(at + length);
    if (!snappy::RawUncompress(data, block.size(), reinterpret_cast<char*>(out.data() + at))) {
        return corrupt("snappy", "bad block");
    }
    return {};
}

Result<Bytes> decompress_java_framed(std::span<const uint8_t> input, std::size_t max_output_bytes) {
    if (input.size() < kJavaHeaderBytes) return corrupt("snappy", "short snappy-java header");
    // snappy-java checks only that the stream's compatible version is not above its own (1);
    // we accept what it accepts.
    int32_t compatible_version = load_big_endian<int32_t>(input.data() + 12);
    if (compatible_version > 1) return corrupt("snappy", "snappy-java version above 1");
    Bytes out;
    std::size_t position = kJavaHeaderBytes;
    while (position < input.size()) {
        if (input.size() - position < kJavaChunkLengthBytes) {
            return corrupt("snappy", "truncated chunk length");
        }
        int32_t chunk_bytes = load_big_endian<int32_t>(input.data() + position);
        position += kJavaChunkLengthBytes;
        if (chunk_bytes < 0 || static_cast<std::size_t>(chunk_bytes) > input.size() - position) {
            return corrupt("snappy", "chunk length past the end");
        }
        TRY(append_raw_block(input.subspan(position, static_cast<std::size_t>(chunk_bytes)),
                             max_output_bytes, out));
        position += static_cast<std::size_t>(chunk_bytes);
    }
    return out;
}

}  // namespace

Result<Bytes> snappy_compress(std::span<const uint8_t> input) {
    Bytes out(snappy::MaxCompressedLength(input.size()));
    std::size_t written = 0;
    snappy::RawCompress(reinterpret_cast<const char*>(input.data()), input.size(),
                        reinterpret_cast<char*>(out.data()), &written);
    out.resize(written);
    return out;
}

Result<Bytes> snappy_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes) {
    if (has_java_magic(input)) return decompress_java_framed(input, max_output_bytes);
    Bytes out;
    TRY(append_raw_block(input, max_output_bytes, out));
    return out;
}

}  // namespace brook::compression::detail
