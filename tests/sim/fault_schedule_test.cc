#include "sim/fault_schedule.h"

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include "sim/schedule_file.h"

namespace brook::sim {
namespace {

TEST_CASE("fault schedule: text round trip keeps every event, in time order") {
    rc::prop("parse(to_text(s)) == s", [] {
        FaultSchedule schedule;
        auto count = *rc::gen::inRange(0, 30);
        for (int i = 0; i < count; ++i) {
            int64_t micros = *rc::gen::inRange<int64_t>(0, 100'000'000);
            auto action = *rc::gen::element<std::string>("crash", "restart", "partition", "heal");
            auto targets = *rc::gen::container<std::vector<std::string>>(
                *rc::gen::inRange(0, 3), rc::gen::element<std::string>("n1", "n2", "c1"));
            schedule.add(microseconds(micros), action, targets);
        }
        Result<FaultSchedule> parsed = FaultSchedule::parse(schedule.to_text());
        RC_ASSERT(parsed.ok());
        RC_ASSERT(*parsed == schedule);
        for (std::size_t i = 1; i < schedule.size(); ++i) {
            RC_ASSERT(schedule.events()[i - 1].at <= schedule.events()[i].at);
        }
    });
}

TEST_CASE("fault schedule: comments, blank lines and errors") {
    Result<FaultSchedule> parsed =
        FaultSchedule::parse("# a comment\n\n2.5s restart n1\n1.000001s crash n1\n");
    REQUIRE(parsed.ok());
    REQUIRE(parsed->size() == 2);
    REQUIRE(parsed->events()[0].action == "crash");
    REQUIRE(parsed->events()[0].at == microseconds(1'000'001));
    REQUIRE(parsed->events()[1].at == milliseconds(2500));
    REQUIRE_FALSE(FaultSchedule::parse("soon crash n1\n").ok());
    REQUIRE_FALSE(FaultSchedule::parse("1.0s\n").ok());
    REQUIRE(FaultSchedule::parse("1.0s crash n1\n")->without(0, 1).empty());
}

TEST_CASE("schedule file: param lines beside the events; plain schedules still parse") {
    Result<ScheduleFile> file = ScheduleFile::parse(
        "# shrunk\nparam producers 1\n2.5s restart n1\nparam partitions 2\n1.0s crash n1\n");
    REQUIRE(file.ok());
    REQUIRE(file->parameters == std::map<std::string, std::string>{{"partitions", "2"},
                                                                    {"producers", "1"}});
    REQUIRE(file->schedule.size() == 2);
    Result<ScheduleFile> again = ScheduleFile::parse(file->to_text());
    REQUIRE(again.ok());
    REQUIRE(again->parameters == file->parameters);
    REQUIRE(again->schedule == file->schedule);
    REQUIRE(ScheduleFile::parse("1.0s crash n1\n")->parameters.empty());
    REQUIRE_FALSE(ScheduleFile::parse("param producers\n").ok());
    REQUIRE_FALSE(ScheduleFile::parse("param producers 1\nparam producers 2\n").ok());
    // Errors in events still name their line, counting the param lines.
    Result<ScheduleFile> bad = ScheduleFile::parse("param producers 1\nsoon crash n1\n");
    REQUIRE_FALSE(bad.ok());
    REQUIRE(bad.error().describe().find("line 2") != std::string::npos);
}

}  // namespace
}  // namespace brook::sim
