#include "core/base/result.h"

#include <catch2/catch.hpp>

#include <memory>

namespace brook {
namespace {

Result<int> parse_positive(int input) {
    if (input <= 0) return Error(ErrorCode::invalid_argument, fmt::format("{} <= 0", input));
    return input;
}

Result<int> doubled(int input) {
    TRY_ASSIGN(int value, parse_positive(input));
    return value * 2;
}

Result<void> check_positive(int input) {
    TRY(parse_positive(input));
    return ok();
}

TEST_CASE("result: values and errors propagate through TRY and TRY_ASSIGN") {
    REQUIRE(doubled(21).value() == 42);
    Result<int> failed = doubled(-1);
    REQUIRE_FALSE(failed.ok());
    REQUIRE(failed.error().code() == ErrorCode::invalid_argument);
    REQUIRE(failed.error().describe() == "invalid_argument: -1 <= 0");
    REQUIRE(check_positive(3).ok());
    REQUIRE(check_positive(0).error().wrap("validate").context() == "validate: 0 <= 0");
}

TEST_CASE("result: move-only values") {
    Result<std::unique_ptr<int>> boxed = std::make_unique<int>(7);
    std::unique_ptr<int> taken = std::move(boxed).value();
    REQUIRE(*taken == 7);
}

}  // namespace
}  // namespace brook
