// A schedule file as `brook sim shrink` writes it and `brook sim replay --schedule` reads it:
// a fault schedule (sim/fault_schedule.h) plus the workload parameters that override the
// seed's draw (RunOptions::overrides), one "param NAME VALUE" line each.
//
//   # brook sim shrink --scenario produce-consume-crash --seed 7: ...
//   param producers 1
//   param partitions 1
//   1.250000s crash n1
//   1.400000s restart n1
//
// A file without param lines is a plain fault schedule, as before.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "sim/fault_schedule.h"

namespace brook::sim {

struct ScheduleFile {
    std::map<std::string, std::string> parameters;  // name -> value, from "param" lines
    FaultSchedule schedule;

    // The param lines (in name order), then the schedule's events.
    std::string to_text() const;
    // A param line needs exactly a name and a value; naming one twice is an error.
    static Result<ScheduleFile> parse(std::string_view text);
};

}  // namespace brook::sim
