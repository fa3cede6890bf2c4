// The record of a simulation run: one line per event (send, deliver, disk op, fault, crash,
// restart, timer, log line), in the order the events happened, with virtual time.
//
//   trace.record(now, "n1", "disk.sync", "file=p0/0.log bytes=4096");
//   ...
//   fmt::print("trace hash {:016x}\n", trace.hash());
//
// Every line feeds a running 64-bit hash whether or not it is kept, so two runs of one seed can be
// compared by hash alone; replay writes the lines to a file for reading. Recording must never
// draw randomness or change the run: the trace observes, it does not decide.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "core/base/time.h"

namespace brook::sim {

class Trace {
public:
    Trace() = default;
    ~Trace();
    Trace(const Trace&) = delete;
    Trace& operator=(const Trace&) = delete;

    // Also write every line to `path` (replay). Returns false if the file cannot be opened.
    bool write_to(const std::string& path);
    // Also keep lines in memory (tests, the HTML viewer later).
    void keep_lines(bool keep) { keep_lines_ = keep; }

    // `actor` names a node, a client, or "sim" for the simulator itself. `kind` is a dotted
    // event name ("net.send", "disk.crash"); `detail` is free text of key=value pairs.
    void record(Instant time, std::string_view actor, std::string_view kind,
                std::string_view detail);

    template <typename... Args>
    void recordf(Instant time, std::string_view actor, std::string_view kind,
                 fmt::format_string<Args...> format, Args&&... args) {
        fmt::memory_buffer detail;
        fmt::format_to(std::back_inserter(detail), format, std::forward<Args>(args)...);
        record(time, actor, kind, std::string_view(detail.data(), detail.size()));
    }

    uint64_t hash() const { return hash_; }
    uint64_t event_count() const { return events_; }
    const std::string& lines() const { return lines_; }

private:
    uint64_t hash_ = 0xcbf29ce484222325ULL;  // FNV-1a offset basis
    uint64_t events_ = 0;
    std::FILE* file_ = nullptr;
    bool keep_lines_ = false;
    std::string lines_;
};

}  // namespace brook::sim
