#include "core/compression/compression.h"

#include <fmt/format.h>

#include <iterator>

#include "core/compression/codecs.h"

namespace brook::compression {
namespace detail {

Error corrupt(std::string_view codec, std::string_view what) {
    return Error(ErrorCode::corruption, fmt::format("{}: {}", codec, what));
}

Error too_large(std::string_view codec, std::size_t max_output_bytes) {
    return Error(
        ErrorCode::too_large,
        fmt::format("{}: decompressed size passes the limit of {} bytes", codec, max_output_bytes));
}

}  // namespace detail

namespace {

// Kafka's names, in codec order: kNames[id] is the name of codec id.
constexpr std::string_view kNames[] = {"none", "gzip", "snappy", "lz4", "zstd"};
static_assert(std::size(kNames) == static_cast<std::size_t>(Compression::zstd) + 1);

}  // namespace

std::optional<Compression> parse_compression(std::string_view name) {
    for (std::size_t id = 0; id < std::size(kNames); ++id) {
        if (name == kNames[id]) return static_cast<Compression>(id);
    }
    return std::nullopt;
}

std::string_view compression_name(Compression codec) {
    auto id = static_cast<std::size_t>(codec);
    ASSERT(id < std::size(kNames), "compression value {}", id);
    return kNames[id];
}

std::optional<Compression> compression_from_id(int id) {
    if (id < 0 || id > static_cast<int>(Compression::zstd)) return std::nullopt;
    return static_cast<Compression>(id);
}

Result<std::vector<uint8_t>> compress(Compression codec, std::span<const uint8_t> input) {
    switch (codec) {
        case Compression::none:
            return std::vector<uint8_t>(input.begin(), input.end());
        case Compression::gzip:
            return detail::gzip_compress(input);
        case Compression::snappy:
            return detail::snappy_compress(input);
        case Compression::lz4:
            return detail::lz4_compress(input);
        case Compression::zstd:
            return detail::zstd_compress(input);
    }
    ASSERT(false, "compression value {}", static_cast<int>(codec));
    return Error(ErrorCode::invalid_argument);
}

Result<std::vector<uint8_t>> decompress(Compression codec, std::span<const uint8_t> input,
                                        std::size_t max_output_bytes) {
    switch (codec) {
        case Compression::none:
            if (input.size() > max_output_bytes) return detail::too_large("none", max_output_bytes);
            return std::vector<uint8_t>(input.begin(), input.end());
        case Compression::gzip:
            return detail::gzip_decompress(input, max_output_bytes);
        case Compression::snappy:
            return detail::snappy_decompress(input, max_output_bytes);
        case Compression::lz4:
            return detail::lz4_decompress(input, max_output_bytes);
        case Compression::zstd:
            return detail::zstd_decompress(input, max_output_bytes);
    }
    ASSERT(false, "compression value {}", static_cast<int>(codec));
    return Error(ErrorCode::invalid_argument);
}

}  // namespace brook::compression
