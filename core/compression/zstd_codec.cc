// zstd: standard zstd frames (RFC 8878), as Kafka's Java client (zstd-jni's streaming
// ZstdOutputStream, which leaves the content size out) and librdkafka write them. Decoding is
// streaming, so a frame without a content size is read the same as one with it, and its output
// is bounded as it is produced rather than trusted from a header; several frames in a row and
// skippable frames are read too.
//
// The window a frame may ask for is left at libzstd's default limit (2^27 bytes), the same as
// zstd-jni's, so every frame a Kafka client can make decodes here.
#include <zstd.h>

#include <memory>

#include "core/compression/codecs.h"

namespace brook::compression::detail {
namespace {

// Kafka's default compression.zstd.level.
constexpr int kZstdLevel = 3;

struct DecompressionStreamDeleter {
    void operator()(ZSTD_DStream* stream) const { ZSTD_freeDStream(stream); }
};

}  // namespace

Result<Bytes> zstd_compress(std::span<const uint8_t> input) {
    Bytes out(ZSTD_compressBound(input.size()));
    std::size_t written =
        ZSTD_compress(out.data(), out.size(), input.data(), input.size(), kZstdLevel);
    if (ZSTD_isError(written)) {
        return Error(ErrorCode::no_space, std::string("zstd: ") + ZSTD_getErrorName(written));
    }
    out.resize(written);
    return out;
}

Result<Bytes> zstd_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes) {
    std::unique_ptr<ZSTD_DStream, DecompressionStreamDeleter> stream(ZSTD_createDStream());
    if (!stream) return Error(ErrorCode::no_space, "zstd: cannot create a stream");
    if (input.empty()) return corrupt("zstd", "empty input");
    ZSTD_inBuffer in{input.data(), input.size(), 0};
    BoundedOutput out(max_output_bytes);
    // 0 once a frame is complete and flushed; otherwise a hint of the input still needed.
    std::size_t hint = 1;
    while (in.pos < in.size || hint != 0) {
        std::span<uint8_t> room = out.room();
        if (room.empty()) return too_large("zstd", max_output_bytes);
        ZSTD_outBuffer buffer{room.data(), room.size(), 0};
        std::size_t consumed_before = in.pos;
        hint = ZSTD_decompressStream(stream.get(), &buffer, &in);
        if (ZSTD_isError(hint)) return corrupt("zstd", ZSTD_getErrorName(hint));
        out.commit(buffer.pos);
        if (out.over_limit()) return too_large("zstd", max_output_bytes);
        // Neither input taken nor output made while the frame is unfinished: it was cut short.
        if (in.pos == consumed_before && buffer.pos == 0 && hint != 0) {
            return corrupt("zstd", "truncated frame");
        }
    }
    return std::move(out).finish();
}

}  // namespace brook::compression::detail
