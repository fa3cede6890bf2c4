// The fixed parts of the trace viewer page (sim/trace_html.h): its style sheet, the markup around
// the timeline, and the script that draws it. They are constants so that the page stays one file;
// render_trace_html puts the trace's events between them as JSON.
#pragma once

#include <string_view>

namespace brook::sim {

// CSS, without the <style> element.
extern const std::string_view kTraceHtmlStyle;
// The status element and the error hook: the first thing in <body>, so an error anywhere in the
// page is recorded in <div id="status" data-errors="N">.
extern const std::string_view kTraceHtmlErrorHook;
// Controls, legend, timeline, details panel.
extern const std::string_view kTraceHtmlBody;
// The viewer, without the <script> element. Reads <script id="trace-data">.
extern const std::string_view kTraceHtmlScript;

}  // namespace brook::sim
