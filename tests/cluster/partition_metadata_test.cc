#include "core/cluster/partition_metadata.h"

#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>

#include "core/cluster/meta_properties.h"
#include "tests/log/log_rig.h"

namespace brook::cluster {
namespace {

TEST_CASE("partition.metadata: Kafka's text, and a round trip of any topic id (property)") {
    TopicId id{};
    id[15] = 1;
    REQUIRE(partition_metadata_text(id) == "version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n");
    rc::prop("round trip", [](std::array<uint8_t, 16> bytes) {
        auto parsed = parse_partition_metadata(partition_metadata_text(bytes));
        RC_ASSERT(parsed.ok());
        RC_ASSERT(*parsed == uuid_text(bytes));
    });
}

TEST_CASE("partition.metadata: anything else is corruption") {
    for (std::string_view text : {"", "version: 1\ntopic_id: AAAAAAAAAAAAAAAAAAAAAQ\n",
                                  "version: 0\n", "version: 0\ntopic_id: short\n",
                                  "version: 0\ntopic: AAAAAAAAAAAAAAAAAAAAAQ\n"}) {
        auto parsed = parse_partition_metadata(text);
        REQUIRE_FALSE(parsed.ok());
        REQUIRE(parsed.error().code() == ErrorCode::corruption);
    }
}

TEST_CASE("partition.metadata: written into the directory, absent reads as none") {
    log::testing::LogRig rig;
    rig.run([&] {
        auto missing = read_partition_topic_id(rig.disk, "t-0");
        REQUIRE(missing.ok());
        REQUIRE_FALSE(*missing);
        REQUIRE(rig.disk.make_directory("t-0").ok());
        TopicId id{};
        id[0] = 0xfb;
        REQUIRE(write_partition_metadata(rig.disk, "t-0", id).ok());
        auto found = read_partition_topic_id(rig.disk, "t-0");
        REQUIRE(found.ok());
        REQUIRE(**found == uuid_text(id));
    });
}

}  // namespace
}  // namespace brook::cluster
