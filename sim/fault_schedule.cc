#include "sim/fault_schedule.h"

#include <algorithm>
#include <charconv>

namespace brook::sim {

void FaultSchedule::add(Duration at, std::string action, std::vector<std::string> targets) {
    FaultEvent event{at, std::move(action), std::move(targets)};
    auto position = std::upper_bound(events_.begin(), events_.end(), event,
                                     [](const FaultEvent& a, const FaultEvent& b) {
                                         return a.at < b.at;
                                     });
    events_.insert(position, std::move(event));
}

FaultSchedule FaultSchedule::without(std::size_t begin, std::size_t end) const {
    FaultSchedule smaller;
    for (std::size_t i = 0; i < events_.size(); ++i) {
        if (i < begin || i >= end) smaller.events_.push_back(events_[i]);
    }
    return smaller;
}

std::string FaultSchedule::to_text() const {
    std::string text;
    for (const FaultEvent& event : events_) {
        int64_t ns = event.at.count();
        text += fmt::format("{}.{:06}s {}", ns / 1'000'000'000, (ns % 1'000'000'000) / 1000,
                            event.action);
        for (const std::string& target : event.targets) text += " " + target;
        text += "\n";
    }
    return text;
}

namespace {

// "12.000250s" -> 12000250000 ns.
Result<Duration> parse_time(std::string_view text) {
    if (text.size() < 2 || text.back() != 's') {
        return Error(ErrorCode::invalid_argument, fmt::format("'{}' is not a time like 1.5s", text));
    }
    text.remove_suffix(1);
    std::size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
    if (fraction.size() > 9) fraction = fraction.substr(0, 9);
    int64_t seconds_part = 0, fraction_part = 0;
    auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds_part);
    bool bad = error != std::errc() || end != whole.data() + whole.size() || seconds_part < 0;
    if (!fraction.empty()) {
        auto [fraction_end, fraction_error] =
            std::from_chars(fraction.data(), fraction.data() + fraction.size(), fraction_part);
        bad = bad || fraction_error != std::errc() ||
              fraction_end != fraction.data() + fraction.size();
        for (std::size_t digits = fraction.size(); digits < 9; ++digits) fraction_part *= 10;
    }
    if (bad) return Error(ErrorCode::invalid_argument, fmt::format("bad time '{}s'", text));
    return Duration(seconds_part * 1'000'000'000 + fraction_part);
}

}  // namespace

std::vector<std::string_view> schedule_words(std::string_view line) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) words.push_back(line.substr(start, i - start));
    }
    return words;
}

Result<FaultSchedule> FaultSchedule::parse(std::string_view text) {
    FaultSchedule schedule;
    int number = 0;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? "" : text.substr(newline + 1);
        ++number;
        std::vector<std::string_view> words = schedule_words(line);
        if (words.empty() || words[0].starts_with("#")) continue;
        if (words.size() < 2) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("line {}: expected '<time> <action> <target>...'", number));
        }
        Result<Duration> at = parse_time(words[0]);
        if (!at) return at.error().wrap(fmt::format("line {}", number));
        std::vector<std::string> targets(words.begin() + 2, words.end());
        schedule.add(*at, std::string(words[1]), std::move(targets));
    }
    return schedule;
}

}  // namespace brook::sim
