// The trace viewer: turns a simulation trace (the text lines `Trace` records) into one
// self-contained HTML page, so a failing seed can be read as a picture instead of 50k lines.
//
//   TraceHtmlOptions options{.scenario = "counter", .seed = 899};
//   std::string page = render_trace_html(sim.trace().lines(), options);
//   // write `page` to seed-899.html and open it in a browser (file:// is fine)
//
// The page is a timeline: one lane per actor (nodes, clients, "sim"), every event a mark on its
// lane, messages drawn as arrows from the send to its delivery, disk syncs as spans, faults and
// crashes marked, and the checker's verdict highlighted when it is not "passed". It has zoom,
// pan, filters by event group, actor and text, and shows the full trace line of the event under
// the pointer. Everything (CSS, script, the events as compact JSON) is inline: no server, no
// network, no external file.
//
// The page's script writes <div id="status" data-ready="1" data-errors="0" data-lanes="5" ...>
// once it has drawn, so a headless browser test can tell it loaded (tests/integration/
// trace_viewer_test.py).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brook::sim {

struct TraceHtmlOptions {
    std::string scenario;
    uint64_t seed = 0;
    // Shown in the header; the scenario's parameters as drawn from the seed, in order.
    std::vector<std::pair<std::string, std::string>> parameters;
};

// One parsed trace line. `detail` points into the text given to `parse_trace`.
struct TraceEvent {
    int64_t time_us = 0;
    std::string_view actor;
    std::string_view kind;
    std::string_view detail;
};

// Two events the viewer draws as one thing, by index into the parsed events: a send and its
// delivery (an arrow), a disk sync and its completion, a partition and its heal, a crash and the
// next boot (spans on the lane).
struct TraceLink {
    std::size_t from = 0;
    std::size_t to = 0;
};

struct ParsedTrace {
    std::vector<TraceEvent> events;
    std::vector<TraceLink> links;
    std::size_t unparsed_lines = 0;  // lines that do not start "<seconds>s <actor> <kind>"
};

// Parses trace lines and pairs related events (see TraceLink). Tolerates malformed lines by
// counting and skipping them: the trace may come from an older or newer build.
ParsedTrace parse_trace(std::string_view trace_lines);

// The whole page. Every string taken from the trace or the options is escaped, so a log line
// holding "</script>", quotes or invalid UTF-8 cannot break out of the page.
std::string render_trace_html(std::string_view trace_lines, const TraceHtmlOptions& options);

// `text` as a JSON string literal that is also safe inside an HTML <script> element: '<', '>'
// and '&' become \u escapes, control characters are escaped, invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view text);

// `text` with &, <, >, " and ' replaced by entities, for HTML text and attribute values.
void append_html_escaped(std::string& out, std::string_view text);

}  // namespace brook::sim
