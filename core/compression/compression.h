// Kafka's record-batch compression codecs: gzip, snappy, lz4 and zstd, over Debian's zlib,
// libsnappy, liblz4 and libzstd. Pure computation, no I/O: safe in core/.
//
//   TRY_ASSIGN(auto packed, compress(Compression::zstd, records_bytes));
//   TRY_ASSIGN(auto records, decompress(Compression::zstd, packed, kBatchBytesMax));
//
// The framing of each codec is what Kafka's clients put on the wire (docs/design/compression.md):
//   gzip    a gzip stream (RFC 1952); concatenated members are accepted, like Java's
//           GZIPInputStream.
//   snappy  decoded from raw snappy (librdkafka, kafkajs) or from snappy-java's framing
//           ("\x82SNAPPY\0", two versions, then length-prefixed raw chunks: the Java client and
//           kafka-python); encoded raw, like librdkafka (see snappy_codec.cc for why).
//   lz4     the LZ4 frame format (Kafka's KafkaLZ4BlockOutputStream since magic v1), with or
//           without content size and block or content checksums.
//   zstd    standard zstd frames, with or without a content size.
// Decompression never asserts on its input: malformed bytes are ErrorCode::corruption, an
// output that would pass max_output_bytes (a decompression bomb) is ErrorCode::too_large.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace brook::compression {

// The values are the codec bits (0-2) of a record batch's attributes.
enum class Compression : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

// Kafka's names ("none", "gzip", "snappy", "lz4", "zstd", as in compression.type); nullopt
// for anything else.
std::optional<Compression> parse_compression(std::string_view name);
std::string_view compression_name(Compression codec);
// The codec for a batch's attribute bits (attributes & 0x07); nullopt for 5-7, which no Kafka
// version defines.
std::optional<Compression> compression_from_id(int id);

// Compresses `input` in the codec's Kafka framing. Errors only when the library fails (out of
// memory), never for any input.
Result<std::vector<uint8_t>> compress(Compression codec, std::span<const uint8_t> input);

// Decompresses `input`, producing at most max_output_bytes bytes. Errors: corruption when the
// bytes are not a complete, valid stream of the codec; too_large when the output would pass
// max_output_bytes. Memory used is bounded by max_output_bytes plus the codec's window.
Result<std::vector<uint8_t>> decompress(Compression codec, std::span<const uint8_t> input,
                                        std::size_t max_output_bytes);

}  // namespace brook::compression
