#include "tools/brook/record_format.h"

#include <catch2/catch.hpp>

namespace brook::tools {
namespace {

std::string render(std::string_view format, const FormattedRecord& record) {
    Result<RecordFormat> parsed = RecordFormat::parse(format);
    REQUIRE(parsed.ok());
    std::string out;
    parsed->render(record, out);
    return out;
}

FormattedRecord sample() {
    return FormattedRecord{.topic = "orders",
                           .partition = 3,
                           .offset = 42,
                           .timestamp_ms = 1700000000123,
                           .key = "alice",
                           .value = "1 apple",
                           .headers = {{"trace", "a=b"}, {"empty", ""}}};
}

TEST_CASE("record format: every directive and escape renders its field") {
    CHECK(render("%t|%p|%o|%T|%k|%K|%s|%S|%h|100%%\\n\\t\\r\\\\", sample()) ==
          "orders|3|42|1700000000123|alice|5|1 apple|7|trace=a=b,empty=|100%\n\t\r\\");
}

TEST_CASE("record format: the default is the value and a newline") {
    CHECK(render(RecordFormat::kDefault, sample()) == "1 apple\n");
}

TEST_CASE("record format: a null key or value prints nothing, its length -1") {
    FormattedRecord record = sample();
    record.key.reset();
    record.value.reset();
    record.headers.clear();
    CHECK(render("[%k][%K][%s][%S][%h]", record) == "[][-1][][-1][]");
    record.value = "";
    CHECK(render("[%s][%S]", record) == "[][0]");
}

TEST_CASE("record format: unknown directives, escapes and a lone % are errors naming them") {
    Result<RecordFormat> directive = RecordFormat::parse("%s %x");
    REQUIRE_FALSE(directive.ok());
    CHECK(directive.error().context().find("%x") != std::string::npos);
    Result<RecordFormat> escape = RecordFormat::parse("\\q");
    REQUIRE_FALSE(escape.ok());
    CHECK(escape.error().context().find("\\q") != std::string::npos);
    CHECK_FALSE(RecordFormat::parse("value %").ok());
    CHECK_FALSE(RecordFormat::parse("value \\").ok());
}

}  // namespace
}  // namespace brook::tools
