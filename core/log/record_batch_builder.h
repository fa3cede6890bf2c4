// Builds Kafka magic-v2 record batches, optionally compressed, and decodes their records back.
// Used by tests and scenarios, and by Brook's own producer and consumer.
//
//   RecordBatchBuilder builder(/*base_timestamp_ms=*/1'700'000'000'000);
//   builder.add({.key = bytes("k"), .value = bytes("v"), .timestamp_ms = 1'700'000'000'005});
//   builder.set_compression(compression::Compression::zstd);
//   std::vector<uint8_t> batch = builder.build();      // baseOffset 0: the log assigns it
//
// A compressed batch keeps its 61-byte header as is and replaces the records section with the
// codec's compressed stream of the same records; the attributes' low three bits name the codec.
// The log stores and serves batches as they arrive, compressed or not.
//
// Each record is encoded as Kafka's DefaultRecord: length varint, attributes i8,
// timestampDelta varlong, offsetDelta varint, key length varint + bytes (-1 = null),
// value length varint + bytes, header count varint, then (key length + key, value length +
// value) per header. Varints are zigzag-encoded, as in protobuf.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/base/result.h"
#include "core/compression/compression.h"
#include "core/log/record_batch.h"

namespace brook::log {

using Bytes = std::vector<uint8_t>;

// The most bytes a batch's records section may decompress to. A batch is at most
// kBatchBytesMax on the wire and so is what it holds: anything that inflates past this is a
// decompression bomb, refused as corruption before more memory is spent on it.
inline constexpr std::size_t kRecordsBytesMax = kBatchBytesMax;

struct RecordHeader {
    Bytes key;
    std::optional<Bytes> value;
    bool operator==(const RecordHeader&) const = default;
};

struct Record {
    std::optional<Bytes> key;
    std::optional<Bytes> value;
    std::vector<RecordHeader> headers;
    int64_t timestamp_ms = 0;
    bool operator==(const Record&) const = default;
};

class RecordBatchBuilder {
public:
    explicit RecordBatchBuilder(int64_t base_timestamp_ms) : base_timestamp_ms_(base_timestamp_ms) {}

    RecordBatchBuilder& add(Record record);
    RecordBatchBuilder& set_producer(ProducerId id, int16_t epoch, int32_t base_sequence);
    // The codec build() compresses the records section with; none by default.
    RecordBatchBuilder& set_compression(compression::Compression codec);
    // Marks the batch a control batch (attributes bit 5): its records are control records,
    // e.g. the metadata quorum's LeaderChange (core/quorum/quorum_codec.cc).
    RecordBatchBuilder& set_control();
    std::size_t record_count() const { return records_.size(); }

    // The batch bytes with baseOffset 0 and a valid CRC. At least one record must be added, and
    // the records must fit kRecordsBytesMax uncompressed.
    Bytes build() const;

private:
    int64_t base_timestamp_ms_;
    std::vector<Record> records_;
    ProducerId producer_id_{-1};
    int16_t producer_epoch_ = -1;
    int32_t base_sequence_ = -1;
    compression::Compression compression_ = compression::Compression::none;
    bool control_ = false;
};

// The records of a batch, decompressed if need be, with their absolute timestamps. corruption
// when the record framing does not match the header's count or the records section's length,
// when the codec bits are not a codec (5-7), when the compressed stream is malformed, or when it
// decompresses past kRecordsBytesMax.
Result<std::vector<Record>> decode_records(const RecordBatchView& batch);

// Zigzag varints, Kafka's encoding for record fields.
void append_varint(Bytes& out, int64_t value);
// Reads one varint at `position`, advancing it; nullopt when malformed or past the end.
std::optional<int64_t> read_varint(std::span<const uint8_t> bytes, std::size_t& position);

}  // namespace brook::log
