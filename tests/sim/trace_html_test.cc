#include "sim/trace_html.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

// The page itself is tested in Chromium (tests/integration/trace_viewer_test.py); these check the
// parsing, the pairing of related events and the escaping that keeps trace text inside the page.
namespace brook::sim {
namespace {

std::vector<std::pair<std::string, std::string>> linked_kinds(const ParsedTrace& trace) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const TraceLink& link : trace.links) {
        pairs.emplace_back(std::string(trace.events[link.from].detail),
                           std::string(trace.events[link.to].detail));
    }
    return pairs;
}

std::size_t occurrences(std::string_view text, std::string_view needle) {
    std::size_t found = 0;
    for (std::size_t at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + 1)) {
        ++found;
    }
    return found;
}

TEST_CASE("trace html: lines parse into time, actor, kind and detail") {
    ParsedTrace trace = parse_trace(
        "1.000214s n1 net.accept conn=1 from=c1:32768\n"
        "12.5s n2 net.crash\n"
        "not a trace line\n"
        "\n"
        "39.000000s sim sim.verdict correctness lost-write: n1 holds 0\r\n");
    REQUIRE(trace.events.size() == 3);
    CHECK(trace.unparsed_lines == 1);
    CHECK(trace.events[0].time_us == 1'000'214);
    CHECK(trace.events[0].actor == "n1");
    CHECK(trace.events[0].kind == "net.accept");
    CHECK(trace.events[0].detail == "conn=1 from=c1:32768");
    CHECK(trace.events[1].time_us == 12'500'000);
    CHECK(trace.events[1].detail.empty());
    CHECK(trace.events[2].detail == "correctness lost-write: n1 holds 0");
}

TEST_CASE("trace html: each delivered piece is paired with its send, in order per direction") {
    ParsedTrace trace = parse_trace(
        "1.000000s c1 net.send conn=1 to=n1 bytes=3 arrive=1.000100s\n"
        "1.000001s c1 net.send conn=1 to=n1 bytes=5 arrive=1.000200s\n"
        "1.000002s n1 net.send conn=1 to=c1 bytes=3 arrive=1.000150s\n"
        "1.000100s n1 net.deliver conn=1 bytes=3\n"
        "1.000150s c1 net.deliver conn=1 bytes=3\n"
        "1.000200s n1 net.deliver conn=1 bytes=5\n"
        "1.000300s n1 net.deliver conn=1 fin\n"
        "2.000000s c1 net.send conn=2 to=n1 bytes=7 arrive=2.000100s\n"
        "2.000050s c1 net.reset conn=2 peer=n1 reason=injected\n"
        "3.000000s c1 net.send conn=3 to=n1 bytes=2 arrive=3.000100s\n"
        "3.000100s n1 net.deliver conn=3 bytes=2 dropped=closed\n");
    REQUIRE(trace.links.size() == 4);
    CHECK(trace.links[0].from == 0);
    CHECK(trace.links[0].to == 3);
    CHECK(trace.links[1].from == 2);  // the other direction of the same connection
    CHECK(trace.links[1].to == 4);
    CHECK(trace.links[2].from == 1);
    CHECK(trace.links[2].to == 5);
    CHECK(trace.links[3].from == 9);  // conn=2 was reset: its send never arrives
    CHECK(trace.links[3].to == 10);
}

TEST_CASE("trace html: syncs, partitions and crashes are paired with how they end") {
    ParsedTrace trace = parse_trace(
        "1.0s n1 disk.sync file=a pending=1 latency_us=10\n"
        "1.1s n1 disk.sync file=b pending=1 latency_us=10\n"
        "1.2s n1 disk.synced file=a made_durable=1 still_pending=0\n"
        "1.3s n1 disk.fault kind=sync_error file=b\n"
        "1.4s n1 disk.sync file=c pending=1 latency_us=10\n"
        "1.5s n1 sim.crash incarnation=1\n"
        "1.5s n1 disk.crash inodes=3 open_handles=0\n"
        "1.6s n1 disk.synced file=c made_durable=1 still_pending=0\n"
        "2.0s n1 sim.boot incarnation=2\n"
        "3.0s n1 net.partition to=n2\n"
        "3.0s n2 net.partition to=n1\n"
        "3.1s n3 net.partition to=all\n"
        "4.0s n1 net.heal with=n2\n"
        "5.0s sim net.heal all\n");
    std::vector<std::pair<std::string, std::string>> expected = {
        {"file=a pending=1 latency_us=10", "file=a made_durable=1 still_pending=0"},
        {"file=b pending=1 latency_us=10", "kind=sync_error file=b"},
        {"incarnation=1", "incarnation=2"},  // a sync cut by the crash is not paired
        {"to=n2", "with=n2"},
        {"to=n1", "with=n2"},  // heal(a, b) lifts both directions
        {"to=all", "all"},
    };
    CHECK(linked_kinds(trace) == expected);
}

TEST_CASE("trace html: JSON strings cannot close the script and stay valid UTF-8") {
    std::string out;
    append_json_string(out,
                       "a\"b\\c</script><!--\n\t\x01 \xff\xc3\xa9 \xe2\x80\xa8 \xed\xa0\x80 &");
    CHECK(out ==
          "\"a\\\"b\\\\c\\u003c/script\\u003e\\u003c!--\\n\\t\\u0001 \\ufffd\xc3\xa9 \\u2028 "
          "\\ufffd\\ufffd\\ufffd \\u0026\"");
    std::string html;
    append_html_escaped(html, "<b a=\"1\" b='2'>&</b>");
    CHECK(html == "&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;&lt;/b&gt;");
}

TEST_CASE("trace html: hostile trace text does not change the page's markup") {
    std::string hostile = "</script><script>alert(1)</script><div id=\"status\" data-errors=\"0\">";
    std::string lines = "1.000000s n1 log error counter: " + hostile + "\n" +
                        "2.000000s sim sim.verdict correctness " + hostile + "\n";
    TraceHtmlOptions options{.scenario = "<scenario>", .seed = 7};
    options.parameters.emplace_back("crash", "'\"</script>");
    std::string page = render_trace_html(lines, options);
    // Three scripts: the error hook, the data and the viewer; nothing else opens or closes one.
    CHECK(occurrences(page, "<script") == 3);
    CHECK(occurrences(page, "</script") == 3);
    CHECK(occurrences(page, "id=\"status\"") == 1);
    CHECK(page.find("alert(1)") != std::string::npos);  // still there, as text
    CHECK(page.find("id=\"violation\"") != std::string::npos);
    CHECK(page.find("&lt;scenario&gt;") != std::string::npos);
}

TEST_CASE("trace html: a passing verdict is not a violation") {
    std::string page = render_trace_html(
        "1.000000s n1 sim.boot incarnation=1\n2.000000s sim sim.verdict passed 5 increments\n",
        TraceHtmlOptions{.scenario = "counter", .seed = 1});
    CHECK(page.find("id=\"violation\"") == std::string::npos);
    CHECK(page.find("id=\"verdict-passed\"") != std::string::npos);
}

}  // namespace
}  // namespace brook::sim
