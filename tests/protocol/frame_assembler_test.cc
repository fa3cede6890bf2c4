#include <catch2/catch.hpp>

#include <optional>

#include "core/protocol/frame_assembler.h"

namespace brook::protocol {
namespace {

// Feeds `stream` in pieces of `piece` bytes; returns the frames and the first error.
std::pair<std::vector<std::vector<uint8_t>>, std::optional<Error>> feed(
    FrameAssembler& frames, const std::vector<uint8_t>& stream, std::size_t piece) {
    std::vector<std::vector<uint8_t>> out;
    std::size_t at = 0;
    while (at < stream.size()) {
        std::span<uint8_t> space = frames.space();
        std::size_t n = std::min({space.size(), piece, stream.size() - at});
        std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, space.begin());
        at += n;
        if (Result<void> committed = frames.commit(n); !committed) return {out, committed.error()};
        if (frames.complete()) out.push_back(frames.take());
    }
    return {out, std::nullopt};
}

TEST_CASE("frame assembler: frames from any split of the stream") {
    std::vector<uint8_t> stream = {0, 0, 0, 3, 'a', 'b', 'c', 0, 0, 0, 1, 'd'};
    for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
        FrameAssembler frames(100);
        auto [out, error] = feed(frames, stream, piece);
        REQUIRE_FALSE(error);
        REQUIRE(out.size() == 2);
        REQUIRE(out[0] == std::vector<uint8_t>{'a', 'b', 'c'});
        REQUIRE(out[1] == std::vector<uint8_t>{'d'});
        REQUIRE_FALSE(frames.partial());
    }
}

TEST_CASE("frame assembler: an oversize prefix is refused before any allocation") {
    FrameAssembler frames(1000);
    auto [out, error] = feed(frames, {0x7f, 0xff, 0xff, 0xff}, 4);
    REQUIRE(error);
    REQUIRE(error->code() == ErrorCode::too_large);
    REQUIRE(frames.announced_bytes() == -1);  // no buffer was sized for it

    FrameAssembler at_limit(4);
    auto [fits, none] = feed(at_limit, {0, 0, 0, 4, 1, 2, 3, 4}, 3);
    REQUIRE_FALSE(none);
    REQUIRE(fits.size() == 1);
    FrameAssembler over(4);
    REQUIRE(feed(over, {0, 0, 0, 5}, 4).second);
}

TEST_CASE("frame assembler: negative, zero and too-small sizes are corruption") {
    for (std::vector<uint8_t> prefix : {std::vector<uint8_t>{0xff, 0xff, 0xff, 0xfe},
                                        std::vector<uint8_t>{0, 0, 0, 0},
                                        std::vector<uint8_t>{0, 0, 0, 9}}) {
        FrameAssembler frames(100, 10);
        auto [out, error] = feed(frames, prefix, 4);
        REQUIRE(error);
        REQUIRE(error->code() == ErrorCode::corruption);
    }
}

}  // namespace
}  // namespace brook::protocol
