#include <catch2/catch.hpp>

#include "core/log/offset_index.h"
#include "core/log/time_index.h"

namespace brook::log {
namespace {

TEST_CASE("offset index: floor lookups, encode and decode") {
    OffsetIndex index;
    REQUIRE(index.floor(50) == OffsetIndex::Entry{0, 0});
    index.append({10, 4096});
    index.append({20, 8192});
    index.append({35, 12288});
    REQUIRE(index.floor(5) == OffsetIndex::Entry{0, 0});
    REQUIRE(index.floor(10) == OffsetIndex::Entry{10, 4096});
    REQUIRE(index.floor(34) == OffsetIndex::Entry{20, 8192});
    REQUIRE(index.floor(1000) == OffsetIndex::Entry{35, 12288});
    auto decoded = OffsetIndex::decode(index.encode(), 20000);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->entries() == index.entries());
}

TEST_CASE("offset index: invalid files are corruption") {
    OffsetIndex index;
    index.append({10, 4096});
    index.append({20, 8192});
    std::vector<uint8_t> bytes = index.encode();
    REQUIRE(OffsetIndex::decode(bytes, 8192).error().code() == ErrorCode::corruption);  // past end
    bytes.pop_back();
    REQUIRE(OffsetIndex::decode(bytes, 20000).error().code() == ErrorCode::corruption);  // ragged
    std::vector<uint8_t> swapped = index.encode();
    std::swap_ranges(swapped.begin(), swapped.begin() + 8, swapped.begin() + 8);
    REQUIRE(OffsetIndex::decode(swapped, 20000).error().code() == ErrorCode::corruption);
}

TEST_CASE("time index: monotonic appends and start-of-search lookups") {
    TimeIndex index;
    REQUIRE(index.start_for(100) == 0);
    index.maybe_append({100, 5});
    index.maybe_append({90, 7});  // not larger: skipped
    index.maybe_append({200, 9});
    REQUIRE(index.entries().size() == 2);
    REQUIRE(index.start_for(50) == 0);
    REQUIRE(index.start_for(100) == 0);   // batches before 5 may reach 100
    REQUIRE(index.start_for(101) == 5);   // every batch before 5 is <= 100
    REQUIRE(index.start_for(1000) == 9);
    auto decoded = TimeIndex::decode(index.encode());
    REQUIRE(decoded.ok());
    REQUIRE(decoded->entries() == index.entries());
    std::vector<uint8_t> bytes = index.encode();
    bytes.resize(13);
    REQUIRE(TimeIndex::decode(bytes).error().code() == ErrorCode::corruption);
}

}  // namespace
}  // namespace brook::log
