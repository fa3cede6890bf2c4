#include "core/base/crc32c.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <string_view>
#include <vector>

namespace brook {
namespace {

std::span<const uint8_t> bytes_of(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

TEST_CASE("crc32c: known vectors") {
    REQUIRE(crc32c(bytes_of("")) == 0);
    REQUIRE(crc32c(bytes_of("123456789")) == 0xE3069283);
    REQUIRE(crc32c_extend_table(0, bytes_of("123456789")) == 0xE3069283);
    std::vector<uint8_t> zeros(32, 0);
    REQUIRE(crc32c(zeros) == 0x8A9136AA);  // RFC 3720, B.4
    std::vector<uint8_t> ones(32, 0xff);
    REQUIRE(crc32c(ones) == 0x62A8AB43);
    std::vector<uint8_t> ascending(32);
    for (std::size_t i = 0; i < 32; ++i) ascending[i] = static_cast<uint8_t>(i);
    REQUIRE(crc32c(ascending) == 0x46DD794E);
}

TEST_CASE("crc32c: extending equals hashing the concatenation") {
    std::string_view text = "The quick brown fox jumps over the lazy dog";
    for (std::size_t split = 0; split <= text.size(); ++split) {
        REQUIRE(crc32c_extend(crc32c(bytes_of(text.substr(0, split))), bytes_of(text.substr(split))) ==
                crc32c(bytes_of(text)));
    }
}

TEST_CASE("crc32c: the hardware and table paths agree") {
    if (!crc32c_hardware_available()) {
        WARN("no SSE4.2 on this machine: only the table path is tested");
        return;
    }
    rc::prop("hardware == table", [](const std::vector<uint8_t>& bytes, uint32_t seed_crc) {
        RC_ASSERT(crc32c_extend_hardware(seed_crc, bytes) == crc32c_extend_table(seed_crc, bytes));
    });
}

}  // namespace
}  // namespace brook
