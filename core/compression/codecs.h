// The per-codec halves of compression.h, one .cc each; compression.cc dispatches to them.
// Internal to core/compression/: include compression.h instead.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "core/base/result.h"

namespace brook::compression::detail {

using Bytes = std::vector<uint8_t>;

Result<Bytes> gzip_compress(std::span<const uint8_t> input);
Result<Bytes> gzip_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes);
Result<Bytes> snappy_compress(std::span<const uint8_t> input);
Result<Bytes> snappy_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes);
Result<Bytes> lz4_compress(std::span<const uint8_t> input);
Result<Bytes> lz4_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes);
Result<Bytes> zstd_compress(std::span<const uint8_t> input);
Result<Bytes> zstd_decompress(std::span<const uint8_t> input, std::size_t max_output_bytes);

// The errors every codec reports the same way.
Error corrupt(std::string_view codec, std::string_view what);
Error too_large(std::string_view codec, std::size_t max_output_bytes);

// Output grows in steps of this many bytes (capped by the limit), so a bomb is caught after at
// most one step past what is legitimate, never after allocating what a header claims.
inline constexpr std::size_t kOutputStepBytes = 64 * 1024;

// The output of a streaming decoder, bounded: it grows in steps up to one byte past the limit,
// so a stream that produces that byte is known to be too large without producing more.
class BoundedOutput {
public:
    explicit BoundedOutput(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    // Where the decoder writes next: never empty unless the output already passed the limit.
    std::span<uint8_t> room() {
        if (produced_ == bytes_.size() && !over_limit()) {
            std::size_t capacity = max_bytes_ == SIZE_MAX ? max_bytes_ : max_bytes_ + 1;
            bytes_.resize(produced_ + std::min(kOutputStepBytes, capacity - produced_));
        }
        return std::span<uint8_t>(bytes_).subspan(produced_);
    }
    void commit(std::size_t written) {
        ASSERT(written <= bytes_.size() - produced_, "commit of {} bytes", written);
        produced_ += written;
    }
    bool over_limit() const { return produced_ > max_bytes_; }
    std::size_t produced() const { return produced_; }
    Bytes finish() && {
        bytes_.resize(produced_);
        return std::move(bytes_);
    }

private:
    std::size_t max_bytes_;
    Bytes bytes_;
    std::size_t produced_ = 0;
};

}  // namespace brook::compression::detail
