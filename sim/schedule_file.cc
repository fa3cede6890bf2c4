#include "sim/schedule_file.h"

#include <fmt/format.h>

namespace brook::sim {

std::string ScheduleFile::to_text() const {
    std::string text;
    for (const auto& [name, value] : parameters) text += fmt::format("param {} {}\n", name, value);
    return text + schedule.to_text();
}

Result<ScheduleFile> ScheduleFile::parse(std::string_view text) {
    ScheduleFile file;
    // The param lines become comments for FaultSchedule::parse, so its line numbers stay right.
    std::string events;
    int number = 0;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? "" : text.substr(newline + 1);
        ++number;
        std::vector<std::string_view> words = schedule_words(line);
        if (words.empty() || words[0] != "param") {
            events += std::string(line) + "\n";
            continue;
        }
        events += "#\n";
        if (words.size() != 3) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("line {}: expected 'param <name> <value>'", number));
        }
        if (!file.parameters.emplace(std::string(words[1]), std::string(words[2])).second) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("line {}: param {} given twice", number, words[1]));
        }
    }
    Result<FaultSchedule> schedule = FaultSchedule::parse(events);
    if (!schedule) return schedule.error();
    file.schedule = std::move(*schedule);
    return file;
}

}  // namespace brook::sim
