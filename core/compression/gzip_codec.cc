// gzip: a gzip stream (RFC 1952), as Kafka's Java client writes with GZIPOutputStream and
// librdkafka with zlib's deflateInit2(15 + 16). Decoding accepts concatenated members, as
// Java's GZIPInputStream does, and nothing after the last one.
#include <zlib.h>

#include <limits>

#include "core/compression/codecs.h"

namespace brook::compression::detail {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
constexpr int kMemoryLevel = 8;           // zlib's default

// zlib counts in uInt; every output step we hand it fits.
static_assert(kOutputStepBytes <= std::numeric_limits<uInt>::max());

Result<Bytes> inflate_members(z_stream& stream, std::size_t max_output_bytes) {
    BoundedOutput out(max_output_bytes);
    while (true) {
        std::span<uint8_t> room = out.room();
        if (room.empty()) return too_large("gzip", max_output_bytes);
        stream.next_out = room.data();
        stream.avail_out = static_cast<uInt>(room.size());
        int status = inflate(&stream, Z_NO_FLUSH);
        out.commit(room.size() - stream.avail_out);
        if (out.over_limit()) return too_large("gzip", max_output_bytes);
        if (status == Z_STREAM_END) {
            if (stream.avail_in == 0) return std::move(out).finish();
            // Another member follows; anything else fails its header check.
            if (inflateReset(&stream) != Z_OK) return corrupt("gzip", "inflateReset failed");
            continue;
        }
        if (status == Z_BUF_ERROR && stream.avail_in == 0) return corrupt("gzip", "truncated");
        if (status != Z_OK && status != Z_BUF_ERROR) {
            return corrupt("gzip", stream.msg != nullptr ? stream.msg : "bad data");
        }
    }
}

}  // namespace

Result<Bytes> gzip_compress(std::span<const uint8_t> input) {
    if (input.size() > std::numeric_limits<uInt>::max()) {
        return Error(ErrorCode::too_large, "gzip: input over 4 GiB");
    }
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, kMemoryLevel,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        return Error(ErrorCode::no_space, "gzip: deflateInit2 failed");
    }
    Bytes out(deflateBound(&stream, static_cast<uLong>(input.size())));
    stream.next_in = const_cast<Bytef*>(input.data());  // zlib's API is not const-correct
    stream.avail_in = static_cast<uInt>(input.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    std::size_t written = stream.total_out;
    deflateEnd(&stream);
    // deflateBound promises room for the whole stream in one call.
    ASSERT(status == Z_STREAM_END, "deflate into deflateBound bytes: status {}", status);
    out.resize(written);
    return out;
}

Result<Bytes> gzip_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes) {
    if (input.size() > std::numeric_limits<uInt>::max()) return corrupt("gzip", "input over 4 GiB");
    z_stream stream{};
    if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
        return Error(ErrorCode::no_space, "gzip: inflateInit2 failed");
    }
    stream.next_in = const_cast<Bytef*>(input.data());
    stream.avail_in = static_cast<uInt>(input.size());
    Result<Bytes> result = inflate_members(stream, max_output_bytes);
    inflateEnd(&stream);
    return result;
}

}  // namespace brook::compression::detail
