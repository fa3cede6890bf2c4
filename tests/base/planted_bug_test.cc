#include "core/base/planted_bug.h"

#include <catch2/catch.hpp>

namespace brook {
namespace {

TEST_CASE("planted bugs: every name reads back as its bug, and unknown names are refused") {
    for (PlantedBug bug : kAllPlantedBugs) {
        REQUIRE(planted_bug_from_name(planted_bug_name(bug)) == bug);
    }
    REQUIRE_FALSE(planted_bug_from_name("ack-before-sync").has_value());
    REQUIRE_FALSE(planted_bug_from_name("").has_value());
}

TEST_CASE("planted bugs: none is on unless planted, and only in builds that have them") {
    // The unit tests never plant one, so in every build each is off; without the option the
    // check is a constant the compiler folds away.
    for (PlantedBug bug : kAllPlantedBugs) REQUIRE_FALSE(planted(bug));
    static_assert(kPlantedBugsBuilt || !planted(PlantedBug::ack_before_fsync));
}

}  // namespace
}  // namespace brook
