#include "sim/trace_html.h"

#include <fmt/format.h>

#include <charconv>
#include <deque>
#include <map>
#include <tuple>

#include "sim/trace_html_page.h"

namespace brook::sim {
namespace {

// "12.000345s" -> 12000345. Digits past the sixth after the point are ignored.
bool parse_time_us(std::string_view text, int64_t& time_us) {
    if (text.size() < 2 || text.back() != 's') return false;
    text.remove_suffix(1);
    std::size_t point = text.find('.');
    std::string_view whole = text.substr(0, point);
    std::string_view fraction = point == std::string_view::npos ? "" : text.substr(point + 1);
    int64_t seconds = 0;
    auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
    if (error != std::errc() || end != whole.data() + whole.size() || seconds < 0) return false;
    int64_t micros = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        char digit = i < fraction.size() ? fraction[i] : '0';
        if (digit < '0' || digit > '9') return false;
        micros = micros * 10 + (digit - '0');
    }
    time_us = seconds * 1'000'000 + micros;
    return true;
}

// The value of `key=` in a detail of space-separated key=value pairs, or "" when absent.
std::string_view field(std::string_view detail, std::string_view key) {
    std::size_t at = 0;
    while (at < detail.size()) {
        std::size_t end = detail.find(' ', at);
        if (end == std::string_view::npos) end = detail.size();
        std::string_view word = detail.substr(at, end - at);
        if (word.size() > key.size() && word.substr(0, key.size()) == key &&
            word[key.size()] == '=') {
            return word.substr(key.size() + 1);
        }
        at = end + 1;
    }
    return {};
}

bool has_word(std::string_view detail, std::string_view word) {
    std::size_t at = 0;
    while (at <= detail.size()) {
        std::size_t end = detail.find(' ', at);
        if (end == std::string_view::npos) end = detail.size();
        if (detail.substr(at, end - at) == word) return true;
        at = end + 1;
    }
    return false;
}

// Pairs events as they are read; each open thing is keyed by the actor and what it names.
class Linker {
public:
    explicit Linker(ParsedTrace& trace) : trace_(trace) {}

    void add(std::size_t index) {
        const TraceEvent& event = trace_.events[index];
        std::string_view kind = event.kind;
        std::string_view detail = event.detail;
        if (kind == "net.send") {
            in_flight_[{field(detail, "conn"), field(detail, "to")}].push_back(index);
        } else if (kind == "net.deliver") {
            if (!has_word(detail, "fin")) deliver(index);
        } else if (kind == "net.reset") {
            in_flight_.erase({field(detail, "conn"), event.actor});
            in_flight_.erase({field(detail, "conn"), field(detail, "peer")});
        } else if (kind == "disk.sync") {
            syncs_[{event.actor, field(detail, "file"), false}].push_back(index);
        } else if (kind == "disk.sync_directory") {
            syncs_[{event.actor, field(detail, "path"), true}].push_back(index);
        } else if (kind == "disk.synced") {
            finish_sync({event.actor, field(detail, "file"), false}, index);
        } else if (kind == "disk.synced_directory") {
            finish_sync({event.actor, field(detail, "path"), true}, index);
        } else if (kind == "disk.fault") {
            std::string_view fault = field(detail, "kind");
            if (fault == "sync_error")
                finish_sync({event.actor, field(detail, "file"), false}, index);
            if (fault == "sync_directory_error") {
                finish_sync({event.actor, field(detail, "path"), true}, index);
            }
        } else if (kind == "disk.crash") {
            // Syncs in progress never complete.
            std::erase_if(
                syncs_, [&](const auto& entry) { return std::get<0>(entry.first) == event.actor; });
        } else if (kind == "net.partition") {
            partitions_.try_emplace({event.actor, field(detail, "to")}, index);
        } else if (kind == "net.heal") {
            heal(event, index);
        } else if (kind == "sim.crash") {
            crashes_[event.actor] = index;
        } else if (kind == "sim.boot") {
            auto crash = crashes_.find(event.actor);
            if (crash != crashes_.end()) {
                link(crash->second, index);
                crashes_.erase(crash);
            }
        }
    }

private:
    using Key = std::pair<std::string_view, std::string_view>;

    void link(std::size_t from, std::size_t to) { trace_.links.push_back({from, to}); }

    // Chunks of one direction arrive in order, so a delivery is the oldest send still in flight
    // to this actor on this connection with the same size.
    void deliver(std::size_t index) {
        const TraceEvent& event = trace_.events[index];
        auto queue = in_flight_.find({field(event.detail, "conn"), event.actor});
        if (queue == in_flight_.end()) return;
        std::string_view bytes = field(event.detail, "bytes");
        while (!queue->second.empty()) {
            std::size_t send = queue->second.front();
            queue->second.pop_front();
            if (field(trace_.events[send].detail, "bytes") == bytes) {
                link(send, index);
                break;
            }
        }
        if (queue->second.empty()) in_flight_.erase(queue);
    }

    void finish_sync(const std::tuple<std::string_view, std::string_view, bool>& key,
                     std::size_t index) {
        auto queue = syncs_.find(key);
        if (queue == syncs_.end()) return;
        link(queue->second.front(), index);
        queue->second.pop_front();
        if (queue->second.empty()) syncs_.erase(queue);
    }

    // heal(a, b) lifts both directions; "with=all" and the simulator's "all" lift more.
    void heal(const TraceEvent& event, std::size_t index) {
        std::string_view with = field(event.detail, "with");
        bool everything = event.actor == "sim" && has_word(event.detail, "all");
        for (auto it = partitions_.begin(); it != partitions_.end();) {
            const auto& [actor, to] = it->first;
            bool lifted = everything || (actor == event.actor && (with == "all" || to == with)) ||
                          (actor == with && to == event.actor);
            if (lifted) {
                link(it->second, index);
                it = partitions_.erase(it);
            } else {
                ++it;
            }
        }
    }

    ParsedTrace& trace_;
    std::map<Key, std::deque<std::size_t>> in_flight_;  // (conn, receiver) -> sends
    std::map<std::tuple<std::string_view, std::string_view, bool>, std::deque<std::size_t>>
        syncs_;                                        // (actor, file, is directory) -> syncs
    std::map<Key, std::size_t> partitions_;            // (actor, to) -> partition
    std::map<std::string_view, std::size_t> crashes_;  // actor -> crash
};

bool parse_line(std::string_view line, TraceEvent& event) {
    std::size_t time_end = line.find(' ');
    if (time_end == std::string_view::npos ||
        !parse_time_us(line.substr(0, time_end), event.time_us)) {
        return false;
    }
    std::size_t actor_end = line.find(' ', time_end + 1);
    if (actor_end == std::string_view::npos || actor_end == time_end + 1) return false;
    event.actor = line.substr(time_end + 1, actor_end - time_end - 1);
    std::size_t kind_end = line.find(' ', actor_end + 1);
    if (kind_end == std::string_view::npos) kind_end = line.size();
    if (kind_end == actor_end + 1) return false;
    event.kind = line.substr(actor_end + 1, kind_end - actor_end - 1);
    event.detail = kind_end < line.size() ? line.substr(kind_end + 1) : std::string_view();
    return true;
}

// Index of each distinct string, in order of first appearance.
class StringTable {
public:
    std::size_t index(std::string_view text) {
        auto [it, added] = indexes_.try_emplace(text, strings_.size());
        if (added) strings_.push_back(text);
        return it->second;
    }
    const std::vector<std::string_view>& strings() const { return strings_; }

private:
    std::map<std::string_view, std::size_t> indexes_;
    std::vector<std::string_view> strings_;
};

void append_json_array(std::string& out, const std::vector<std::string_view>& strings) {
    out += '[';
    for (std::size_t i = 0; i < strings.size(); ++i) {
        if (i > 0) out += ',';
        append_json_string(out, strings[i]);
    }
    out += ']';
}

// The events as columns (times, actor and kind indexes, details, link pairs): compact to embed,
// quick for the page to turn into typed arrays.
void append_events_json(std::string& out, const ParsedTrace& trace,
                        const TraceHtmlOptions& options) {
    StringTable actors, kinds;
    std::string times, actor_column, kind_column, details;
    std::ptrdiff_t verdict_index = -1;
    for (std::size_t i = 0; i < trace.events.size(); ++i) {
        const TraceEvent& event = trace.events[i];
        std::string_view comma = i > 0 ? "," : "";
        fmt::format_to(std::back_inserter(times), "{}{}", comma, event.time_us);
        fmt::format_to(std::back_inserter(actor_column), "{}{}", comma, actors.index(event.actor));
        fmt::format_to(std::back_inserter(kind_column), "{}{}", comma, kinds.index(event.kind));
        details += comma;
        append_json_string(details, event.detail);
        if (event.kind == "sim.verdict") verdict_index = static_cast<std::ptrdiff_t>(i);
    }
    out += "{\"scenario\":";
    append_json_string(out, options.scenario);
    fmt::format_to(std::back_inserter(out), ",\"seed\":\"{}\",\"verdictIndex\":{},\"unparsed\":{}",
                   options.seed, verdict_index, trace.unparsed_lines);
    out += ",\"params\":[";
    for (std::size_t i = 0; i < options.parameters.size(); ++i) {
        if (i > 0) out += ',';
        out += '[';
        append_json_string(out, options.parameters[i].first);
        out += ',';
        append_json_string(out, options.parameters[i].second);
        out += ']';
    }
    out += "],\"actors\":";
    append_json_array(out, actors.strings());
    out += ",\"kinds\":";
    append_json_array(out, kinds.strings());
    fmt::format_to(std::back_inserter(out),
                   ",\"t\":[{}],\"a\":[{}],\"k\":[{}],\"d\":[{}],\"links\":[", times, actor_column,
                   kind_column, details);
    for (std::size_t i = 0; i < trace.links.size(); ++i) {
        fmt::format_to(std::back_inserter(out), "{}{},{}", i > 0 ? "," : "", trace.links[i].from,
                       trace.links[i].to);
    }
    out += "]}";
}

std::string format_time(int64_t time_us) {
    return fmt::format("{}.{:06}s", time_us / 1'000'000, time_us % 1'000'000);
}

// The verdict's first word and the rest ("correctness", "lost-write: ..."), or passed/"" when
// the trace has no verdict line.
std::pair<std::string_view, std::string_view> verdict_of(const ParsedTrace& trace) {
    for (auto it = trace.events.rbegin(); it != trace.events.rend(); ++it) {
        if (it->kind != "sim.verdict") continue;
        std::size_t space = it->detail.find(' ');
        if (space == std::string_view::npos) return {it->detail, {}};
        return {it->detail.substr(0, space), it->detail.substr(space + 1)};
    }
    return {"none", "the trace has no sim.verdict line (the run did not finish?)"};
}

// The header, written by the server side so it reads even if the script fails.
void append_header(std::string& out, const ParsedTrace& trace, const TraceHtmlOptions& options) {
    auto [verdict, failure] = verdict_of(trace);
    bool failed = verdict != "passed";
    out += "<header id=\"summary\"><h1>Brook trace</h1><dl>";
    auto item = [&](std::string_view name, std::string_view value, std::string_view id) {
        fmt::format_to(std::back_inserter(out), "<div><dt>{}</dt><dd id=\"{}\">", name, id);
        append_html_escaped(out, value);
        out += "</dd></div>";
    };
    item("scenario", options.scenario, "summary-scenario");
    item("seed", std::to_string(options.seed), "summary-seed");
    item("verdict", verdict, "summary-verdict");
    item("events", std::to_string(trace.events.size()), "summary-events");
    if (!trace.events.empty()) {
        item("time",
             format_time(trace.events.front().time_us) + " – " +
                 format_time(trace.events.back().time_us),
             "summary-time");
    }
    out += "</dl>";
    if (!options.parameters.empty()) {
        out += "<details id=\"parameters\"><summary>parameters drawn from the seed</summary><p>";
        for (const auto& [name, value] : options.parameters) {
            out += "<code>";
            append_html_escaped(out, name);
            out += '=';
            append_html_escaped(out, value);
            out += "</code> ";
        }
        out += "</p></details>";
    }
    if (failed) {
        out += "<div id=\"violation\" class=\"violation\" role=\"alert\"><strong>";
        append_html_escaped(out, verdict);
        out += " violation</strong> <span id=\"violation-message\">";
        append_html_escaped(out, failure);
        out += "</span> <button type=\"button\" id=\"goto-violation\">show</button></div>";
    } else {
        out += "<div id=\"verdict-passed\" class=\"passed\">passed: ";
        append_html_escaped(out, failure);
        out += "</div>";
    }
    out += "</header>";
}

}  // namespace

ParsedTrace parse_trace(std::string_view trace_lines) {
    ParsedTrace trace;
    Linker linker(trace);
    std::size_t at = 0;
    while (at < trace_lines.size()) {
        std::size_t end = trace_lines.find('\n', at);
        if (end == std::string_view::npos) end = trace_lines.size();
        std::string_view line = trace_lines.substr(at, end - at);
        at = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) continue;
        TraceEvent event;
        if (!parse_line(line, event)) {
            ++trace.unparsed_lines;
            continue;
        }
        trace.events.push_back(event);
        linker.add(trace.events.size() - 1);
    }
    return trace;
}

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            switch (byte) {
                case '"':
                    out += "\\\"";
                    break;
                case '\\':
                    out += "\\\\";
                    break;
                case '\n':
                    out += "\\n";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '<':
                    out += "\\u003c";
                    break;
                case '>':
                    out += "\\u003e";
                    break;
                case '&':
                    out += "\\u0026";
                    break;
                default:
                    if (byte < 0x20 || byte == 0x7f) {
                        fmt::format_to(std::back_inserter(out), "\\u{:04x}", byte);
                    } else {
                        out += static_cast<char>(byte);
                    }
            }
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence is copied; anything else becomes U+FFFD, one per byte.
        std::size_t length = byte >= 0xf0 && byte <= 0xf4   ? 4
                             : byte >= 0xe0                 ? 3
                             : byte >= 0xc2 && byte <= 0xdf ? 2
                                                            : 0;
        if (byte > 0xf4) length = 0;
        uint32_t code = length == 2 ? byte & 0x1f : length == 3 ? byte & 0x0f : byte & 0x07;
        bool valid = length > 0 && i + length <= text.size();
        for (std::size_t j = 1; valid && j < length; ++j) {
            auto next = static_cast<unsigned char>(text[i + j]);
            valid = (next & 0xc0) == 0x80;
            code = (code << 6) | (next & 0x3f);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        if (valid) {
            valid = (length == 2 && code >= 0x80) ||
                    (length == 3 && code >= 0x800 && (code < 0xd800 || code > 0xdfff)) ||
                    (length == 4 && code >= 0x10000 && code <= 0x10ffff);
        }
        if (!valid) {
            out += "\\ufffd";
            ++i;
        } else if (code == 0x2028 || code == 0x2029) {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", code);
            i += length;
        } else {
            out.append(text.substr(i, length));
            i += length;
        }
    }
    out += '"';
}

void append_html_escaped(std::string& out, std::string_view text) {
    // Through JSON's UTF-8 check first would be stricter; the page is UTF-8 and the browser shows
    // U+FFFD for a bad byte in text, which cannot change the markup.
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
}

std::string render_trace_html(std::string_view trace_lines, const TraceHtmlOptions& options) {
    ParsedTrace trace = parse_trace(trace_lines);
    std::string out;
    out.reserve(trace_lines.size() + trace_lines.size() / 4 + 64 * 1024);
    out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>";
    append_html_escaped(out, fmt::format("Brook trace: {} seed {} ({})", options.scenario,
                                         options.seed, verdict_of(trace).first));
    out += "</title>\n<style>";
    out += kTraceHtmlStyle;
    out += "</style></head>\n<body>\n";
    // First, so an error anywhere after is recorded where the test looks.
    out += kTraceHtmlErrorHook;
    append_header(out, trace, options);
    out += kTraceHtmlBody;
    out += "\n<script type=\"application/json\" id=\"trace-data\">";
    append_events_json(out, trace, options);
    out += "</script>\n<script>";
    out += kTraceHtmlScript;
    out += "</script>\n</body></html>\n";
    return out;
}

}  // namespace brook::sim
