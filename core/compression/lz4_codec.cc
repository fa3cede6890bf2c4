// lz4: the LZ4 frame format (magic 0x184D2204), which Kafka's KafkaLZ4BlockOutputStream writes
// for magic v1 and v2 batches: 64 KiB independent blocks, no block checksums, no content size,
// no content checksum. Decoding goes through liblz4's frame decoder, so frames with a content
// size, block checksums, a content checksum, linked blocks, other block sizes, several frames in
// a row and skippable frames (librdkafka, lz4.frame in Python) are all read; the checksums that
// are present are verified.
#include <lz4frame.h>

#include <memory>

#include "core/compression/codecs.h"

namespace brook::compression::detail {
namespace {

struct DecompressionContextDeleter {
    void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};
using DecompressionContext = std::unique_ptr<LZ4F_dctx, DecompressionContextDeleter>;

// Kafka's writer settings (KafkaLZ4BlockOutputStream's defaults).
LZ4F_preferences_t kafka_preferences() {
    LZ4F_preferences_t preferences{};
    preferences.frameInfo.blockSizeID = LZ4F_max64KB;
    preferences.frameInfo.blockMode = LZ4F_blockIndependent;
    preferences.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    preferences.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    preferences.frameInfo.contentSize = 0;  // unknown, as a streaming writer leaves it
    return preferences;
}

}  // namespace

Result<Bytes> lz4_compress(std::span<const uint8_t> input) {
    LZ4F_preferences_t preferences = kafka_preferences();
    Bytes out(LZ4F_compressFrameBound(input.size(), &preferences));
    std::size_t written =
        LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &preferences);
    if (LZ4F_isError(written)) {
        return Error(ErrorCode::no_space, std::string("lz4: ") + LZ4F_getErrorName(written));
    }
    out.resize(written);
    return out;
}

Result<Bytes> lz4_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes) {
    LZ4F_dctx* raw_context = nullptr;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
        return Error(ErrorCode::no_space, "lz4: cannot create a decompression context");
    }
    DecompressionContext context(raw_context);
    if (input.empty()) return corrupt("lz4", "empty input");
    BoundedOutput out(max_output_bytes);
    std::size_t position = 0;
    // 0 once a frame is complete; any other value is a hint of how much input the frame needs.
    std::size_t hint = 1;
    while (position < input.size() || hint != 0) {
        std::span<uint8_t> room = out.room();
        if (room.empty()) return too_large("lz4", max_output_bytes);
        std::size_t room_bytes = room.size();
        std::size_t input_bytes = input.size() - position;
        hint = LZ4F_decompress(context.get(), room.data(), &room_bytes, input.data() + position,
                               &input_bytes, nullptr);
        if (LZ4F_isError(hint)) return corrupt("lz4", LZ4F_getErrorName(hint));
        position += input_bytes;
        out.commit(room_bytes);
        if (out.over_limit()) return too_large("lz4", max_output_bytes);
        // No input consumed and no output made with input left: the frame wants more than
        // there is, which only happens at a cut.
        if (input_bytes == 0 && room_bytes == 0 && hint != 0) {
            return corrupt("lz4", "truncated frame");
        }
    }
    return std::move(out).finish();
}

}  // namespace brook::compression::detail
