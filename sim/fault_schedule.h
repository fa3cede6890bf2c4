// A scenario's faults as data: what happens to which process or link, and when.
//
//   FaultSchedule schedule;
//   schedule.add(seconds(2), "crash", {"n1"});
//   schedule.add(seconds(3), "restart", {"n1"});
//   schedule.add(milliseconds(4500), "partition", {"n1", "n2"});
//   std::string text = schedule.to_text();   // "2.000000s crash n1\n3.000000s restart n1\n..."
//
// Scenarios draw their schedule from the seed before the run starts and then only execute it,
// so a schedule can be written to a file, edited, replayed (`brook sim replay --schedule`) and
// shrunk (`brook sim shrink`) while everything else the seed decides stays the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/base/time.h"

namespace brook::sim {

struct FaultEvent {
    Duration at{};                   // since the start of the run
    std::string action;              // "crash", "restart", "partition", "heal", ...
    std::vector<std::string> targets;

    bool operator==(const FaultEvent&) const = default;
};

class FaultSchedule {
public:
    void add(Duration at, std::string action, std::vector<std::string> targets);
    // Events in time order (stable for equal times).
    const std::vector<FaultEvent>& events() const { return events_; }
    std::size_t size() const { return events_.size(); }
    bool empty() const { return events_.empty(); }

    // A copy without the events whose indexes are in [begin, end).
    FaultSchedule without(std::size_t begin, std::size_t end) const;

    // One event a line: "<seconds>.<micros>s <action> <target>...". Lines starting with '#'
    // are comments.
    std::string to_text() const;
    static Result<FaultSchedule> parse(std::string_view text);

    bool operator==(const FaultSchedule&) const = default;

private:
    std::vector<FaultEvent> events_;
};

// The words of one line of a schedule file, split at spaces and tabs.
std::vector<std::string_view> schedule_words(std::string_view line);

}  // namespace brook::sim
