// Log lines with a component name, written to a sink chosen by the composition root.
//
//   Logger log(sink, "net");
//   log.warn("closing connection from {}: {}", peer.to_string(), reason);
//
// Production sinks print to stderr with a wall-clock timestamp (tools/); the simulator's sink
// stamps virtual time and node, and writes into the run's trace (sim/trace.h).
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace brook {

enum class LogLevel { debug, info, warn, error };

std::string_view log_level_name(LogLevel level);

class LogSink {
public:
    virtual ~LogSink() = default;
    virtual void write(LogLevel level, std::string_view component, std::string_view message) = 0;
    // Lines below this level are not formatted at all.
    virtual LogLevel threshold() const { return LogLevel::info; }
};

// Drops everything; for tests that do not care.
class NullLogSink final : public LogSink {
public:
    void write(LogLevel, std::string_view, std::string_view) override {}
    LogLevel threshold() const override { return LogLevel::error; }
};

class Logger {
public:
    Logger(LogSink& sink, std::string component) : sink_(&sink), component_(std::move(component)) {}

    // The same sink under another component name: log.child("log/topic-0").
    Logger child(std::string_view suffix) const {
        return Logger(*sink_, fmt::format("{}/{}", component_, suffix));
    }

    template <typename... Args>
    void debug(fmt::format_string<Args...> format, Args&&... args) {
        emit(LogLevel::debug, format, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void info(fmt::format_string<Args...> format, Args&&... args) {
        emit(LogLevel::info, format, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void warn(fmt::format_string<Args...> format, Args&&... args) {
        emit(LogLevel::warn, format, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> format, Args&&... args) {
        emit(LogLevel::error, format, std::forward<Args>(args)...);
    }

    LogSink& sink() const { return *sink_; }

private:
    template <typename... Args>
    void emit(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
        if (level < sink_->threshold()) return;
        sink_->write(level, component_, fmt::format(format, std::forward<Args>(args)...));
    }

    LogSink* sink_;
    std::string component_;
};

}  // namespace brook
