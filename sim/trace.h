// The record of a simulation run: one line per event (send, deliver, disk op, fault, crash,
// restart, timer, log line), in the order the events happened, with virtual time.
//
//   trace.record(now, "n1", "disk.sync", "file=p0/0.log bytes=4096");
//   trace.recordf(now, "n1", "disk.sync", "file={} bytes={}", path, size);
//   ...
//   fmt::print("trace hash {:016x}\n", trace.hash());
//
// Every event feeds a running 64-bit hash whether or not it is kept, so two runs of one seed can be
// compared by hash alone; replay writes the lines to a file for reading. Recording must never
// draw randomness or change the run: the trace observes, it does not decide.
//
// Recording is on the simulator's hottest path (tens of thousands of events per seed), so the
// hash is taken over the event's fields, not its line: the time, actor, kind, the format string
// and each argument (an integer as one word, a string as its bytes eight at a time, anything
// else as fmt prints it). A line is formatted only when a trace is written or kept, once,
// into a buffer the trace reuses. So the hash is the same with or without --trace, and two runs
// with byte-identical trace files have equal hashes (the converse holds but for collisions).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/base/time.h"

namespace brook::sim {

// Writes an instant exactly as fmt prints one (core/base/time.h: "12.000250s") to `out` and returns
// the end, but with the digits written directly: the trace prints a time on every event.
template <typename OutputIt>
OutputIt format_instant_to(OutputIt out, Instant instant) {
    int64_t ns = instant.time_since_epoch().count();
    if (ns < 0) return fmt::format_to(out, "{}", instant);  // never a simulated time
    fmt::format_int whole(ns / 1'000'000'000);
    auto micros = static_cast<uint32_t>((ns % 1'000'000'000) / 1000);
    char fraction[8];
    fraction[0] = '.';
    for (int digit = 6; digit >= 1; --digit) {
        fraction[digit] = static_cast<char>('0' + micros % 10);
        micros /= 10;
    }
    fraction[7] = 's';
    out = std::copy(whole.data(), whole.data() + whole.size(), out);
    return std::copy(fraction, fraction + sizeof fraction, out);
}

class Trace {
public:
    Trace() { line_.reserve(kLineBytesTypical); }
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
                std::string_view detail) {
        begin_event(time, actor, kind, {});
        hash_bytes(detail);
        if (!writing()) return;
        begin_line(time, actor, kind);
        line_.append(detail);
        end_line();
    }

    // The same with the detail formatted by fmt. The arguments must not record into this trace.
    template <typename... Args>
    void recordf(Instant time, std::string_view actor, std::string_view kind,
                 fmt::format_string<Args...> format, Args&&... args) {
        fmt::string_view format_text = format;
        begin_event(time, actor, kind, std::string_view(format_text.data(), format_text.size()));
        (hash_field(args), ...);
        if (!writing()) return;
        begin_line(time, actor, kind);
        fmt::format_to(fmt::appender(line_), format, std::forward<Args>(args)...);
        end_line();
    }

    uint64_t hash() const { return hash_; }
    uint64_t event_count() const { return events_; }
    const std::string& lines() const { return lines_; }

private:
    static constexpr std::size_t kLineBytesTypical = 256;

    bool writing() const { return file_ != nullptr || keep_lines_; }

    // Counts the event and hashes what every event has.
    void begin_event(Instant time, std::string_view actor, std::string_view kind,
                     std::string_view format) {
        ++events_;
        hash_word(static_cast<uint64_t>(time.time_since_epoch().count()));
        hash_bytes(actor);
        hash_bytes(kind);
        hash_bytes(format);
    }

    void hash_word(uint64_t word) {
        hash_ = (hash_ ^ word) * 0x9e3779b97f4a7c15ULL;  // both steps are bijections of hash_
        hash_ ^= hash_ >> 29;
    }
    // The length first, so that ("ab", "c") and ("a", "bc") differ.
    void hash_bytes(std::string_view bytes);

    template <typename T>
    void hash_field(const T& value) {
        using Plain = std::remove_cvref_t<T>;
        if constexpr (std::is_integral_v<Plain> || std::is_enum_v<Plain>) {
            hash_word(static_cast<uint64_t>(value));
        } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
            hash_bytes(std::string_view(value));
        } else if constexpr (std::is_same_v<Plain, Instant> || std::is_same_v<Plain, WallTime>) {
            hash_word(static_cast<uint64_t>(value.time_since_epoch().count()));
        } else if constexpr (std::is_same_v<Plain, Duration>) {
            hash_word(static_cast<uint64_t>(value.count()));
        } else {
            field_.clear();
            fmt::format_to(fmt::appender(field_), "{}", value);
            hash_bytes(std::string_view(field_.data(), field_.size()));
        }
    }

    // Starts the line in line_: "<time> <actor> <kind> ".
    void begin_line(Instant time, std::string_view actor, std::string_view kind);
    // Ends it with a newline and writes or keeps it.
    void end_line();

    uint64_t hash_ = 0xcbf29ce484222325ULL;  // any start will do; FNV-1a's offset basis
    uint64_t events_ = 0;
    std::FILE* file_ = nullptr;
    bool keep_lines_ = false;
    std::string lines_;
    fmt::memory_buffer line_;   // the line being recorded
    fmt::memory_buffer field_;  // an argument formatted for hashing
};

}  // namespace brook::sim
