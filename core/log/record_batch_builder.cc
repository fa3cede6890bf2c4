#include "core/log/record_batch_builder.h"

#include <algorithm>

#include "core/base/crc32c.h"

namespace brook::log {
namespace {

void append_bytes(Bytes& out, const std::optional<Bytes>& bytes) {
    if (!bytes) {
        append_varint(out, -1);
        return;
    }
    append_varint(out, static_cast<int64_t>(bytes->size()));
    out.insert(out.end(), bytes->begin(), bytes->end());
}

Bytes encode_record(const Record& record, int64_t timestamp_delta, int32_t offset_delta) {
    Bytes body;
    body.push_back(0);  // attributes: unused by Kafka
    append_varint(body, timestamp_delta);
    append_varint(body, offset_delta);
    append_bytes(body, record.key);
    append_bytes(body, record.value);
    append_varint(body, static_cast<int64_t>(record.headers.size()));
    for (const RecordHeader& header : record.headers) {
        append_bytes(body, header.key);
        append_bytes(body, header.value);
    }
    Bytes encoded;
    append_varint(encoded, static_cast<int64_t>(body.size()));
    encoded.insert(encoded.end(), body.begin(), body.end());
    return encoded;
}

// Reads a length-prefixed byte string; -1 is null. False when malformed.
bool read_bytes(std::span<const uint8_t> bytes, std::size_t& position, std::optional<Bytes>& out) {
    std::optional<int64_t> length = read_varint(bytes, position);
    if (!length || *length < -1) return false;
    if (*length == -1) {
        out.reset();
        return true;
    }
    if (static_cast<uint64_t>(*length) > bytes.size() - position) return false;
    out = Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(position),
                bytes.begin() + static_cast<std::ptrdiff_t>(position + *length));
    position += static_cast<std::size_t>(*length);
    return true;
}

}  // namespace

void append_varint(Bytes& out, int64_t value) {
    uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
    while (zigzag >= 0x80) {
        out.push_back(static_cast<uint8_t>(zigzag | 0x80));
        zigzag >>= 7;
    }
    out.push_back(static_cast<uint8_t>(zigzag));
}

std::optional<int64_t> read_varint(std::span<const uint8_t> bytes, std::size_t& position) {
    uint64_t zigzag = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (position >= bytes.size()) return std::nullopt;
        uint8_t byte = bytes[position++];
        zigzag |= static_cast<uint64_t>(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            return static_cast<int64_t>((zigzag >> 1) ^ (~(zigzag & 1) + 1));
        }
    }
    return std::nullopt;  // more than ten bytes
}

RecordBatchBuilder& RecordBatchBuilder::add(Record record) {
    records_.push_back(std::move(record));
    return *this;
}

RecordBatchBuilder& RecordBatchBuilder::set_compression(compression::Compression codec) {
    compression_ = codec;
    return *this;
}

RecordBatchBuilder& RecordBatchBuilder::set_control() {
    control_ = true;
    return *this;
}

RecordBatchBuilder& RecordBatchBuilder::set_producer(ProducerId id, int16_t epoch,
                                                     int32_t base_sequence) {
    producer_id_ = id;
    producer_epoch_ = epoch;
    base_sequence_ = base_sequence;
    return *this;
}

Bytes RecordBatchBuilder::build() const {
    ASSERT(!records_.empty(), "a record batch needs at least one record");
    Bytes records_section;
    int64_t max_timestamp = base_timestamp_ms_;
    for (std::size_t i = 0; i < records_.size(); ++i) {
        const Record& record = records_[i];
        max_timestamp = std::max(max_timestamp, record.timestamp_ms);
        Bytes encoded = encode_record(record, record.timestamp_ms - base_timestamp_ms_,
                                      static_cast<int32_t>(i));
        records_section.insert(records_section.end(), encoded.begin(), encoded.end());
    }
    ASSERT(records_section.size() <= kRecordsBytesMax, "records of {} bytes",
           records_section.size());
    Bytes batch(kBatchHeaderBytes, 0);
    if (compression_ == compression::Compression::none) {
        batch.insert(batch.end(), records_section.begin(), records_section.end());
    } else {
        auto compressed = compression::compress(compression_, records_section);
        // Compressors fail only when memory runs out, which Brook does not survive anyway.
        ASSERT(compressed.ok(), "{}", compressed.error().describe());
        batch.insert(batch.end(), compressed->begin(), compressed->end());
    }
    ASSERT(batch.size() <= kBatchBytesMax, "batch of {} bytes", batch.size());
    auto count = static_cast<int32_t>(records_.size());
    uint8_t* p = batch.data();
    store_big_endian<int64_t>(p + 0, 0);
    store_big_endian<int32_t>(p + 8, static_cast<int32_t>(batch.size() - kLogOverheadBytes));
    store_big_endian<int32_t>(p + 12, 0);
    p[16] = static_cast<uint8_t>(kMagicV2);
    // CreateTime, not transactional: the codec bits and the control bit.
    store_big_endian<int16_t>(p + 21, static_cast<int16_t>(static_cast<int16_t>(compression_) |
                                                            (control_ ? kControlBit : 0)));
    store_big_endian<int32_t>(p + 23, count - 1);
    store_big_endian<int64_t>(p + 27, base_timestamp_ms_);
    store_big_endian<int64_t>(p + 35, max_timestamp);
    store_big_endian<int64_t>(p + 43, producer_id_.value());
    store_big_endian<int16_t>(p + 51, producer_epoch_);
    store_big_endian<int32_t>(p + 53, base_sequence_);
    store_big_endian<int32_t>(p + 57, count);
    store_big_endian<uint32_t>(p + 17, crc32c(std::span<const uint8_t>(batch).subspan(kCrcStart)));
    return batch;
}

namespace {

// The records section of a batch, decompressed when its attributes name a codec.
Result<Bytes> decompressed_records(const RecordBatchView& batch) {
    std::optional<compression::Compression> codec =
        compression::compression_from_id(batch.compression());
    if (!codec) {
        return Error(ErrorCode::corruption, fmt::format("unknown codec {}", batch.compression()));
    }
    auto records = compression::decompress(*codec, batch.records_bytes(), kRecordsBytesMax);
    // A bomb is not a request for more memory: the batch is as corrupt as a bad stream.
    if (!records) return Error(ErrorCode::corruption, records.error().describe());
    return std::move(records).value();
}

}  // namespace

Result<std::vector<Record>> decode_records(const RecordBatchView& batch) {
    Bytes decompressed;
    std::span<const uint8_t> bytes = batch.records_bytes();
    if (batch.compression() != 0) {
        TRY_ASSIGN(decompressed, decompressed_records(batch));
        bytes = decompressed;
    }
    std::vector<Record> records;
    std::size_t position = 0;
    auto malformed = [&](std::string_view what) {
        return Error(ErrorCode::corruption,
                     fmt::format("record {} at byte {}: {}", records.size(), position, what));
    };
    for (int32_t i = 0; i < batch.records_count(); ++i) {
        std::optional<int64_t> length = read_varint(bytes, position);
        if (!length || *length < 1 || static_cast<uint64_t>(*length) > bytes.size() - position) {
            return malformed("bad length");
        }
        std::span<const uint8_t> body = bytes.subspan(position, static_cast<std::size_t>(*length));
        position += static_cast<std::size_t>(*length);
        std::size_t at = 1;  // attributes byte
        std::optional<int64_t> timestamp_delta = read_varint(body, at);
        std::optional<int64_t> offset_delta = read_varint(body, at);
        if (!timestamp_delta || !offset_delta || *offset_delta != i) return malformed("deltas");
        Record record;
        record.timestamp_ms = batch.base_timestamp() + *timestamp_delta;
        if (!read_bytes(body, at, record.key) || !read_bytes(body, at, record.value)) {
            return malformed("key or value");
        }
        std::optional<int64_t> header_count = read_varint(body, at);
        if (!header_count || *header_count < 0 || *header_count > static_cast<int64_t>(body.size())) {
            return malformed("header count");
        }
        for (int64_t h = 0; h < *header_count; ++h) {
            std::optional<Bytes> key;
            RecordHeader header;
            if (!read_bytes(body, at, key) || !key || !read_bytes(body, at, header.value)) {
                return malformed("header");
            }
            header.key = std::move(*key);
            record.headers.push_back(std::move(header));
        }
        if (at != body.size()) return malformed("trailing bytes");
        records.push_back(std::move(record));
    }
    if (position != bytes.size()) return malformed("bytes after the last record");
    return records;
}

}  // namespace brook::log
