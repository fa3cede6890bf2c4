// Lines from standard input without blocking the scheduler: `brook produce` reads its records
// here while the producer's fibers keep sending (a line typed at a terminal goes out after
// linger.ms, not when the next line arrives).
//
//   StdinLines lines(runtime.scheduler(), runtime.reactor());
//   while (true) {
//       TRY_ASSIGN(std::optional<std::string> line, lines.next());
//       if (!line) break;                                  // end of input
//       send(*line);
//   }
//
// A pipe or terminal is watched with epoll (made non-blocking while this object lives); a
// regular file cannot be (epoll refuses it) and is always readable, so it is read directly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/runtime/wait_queue.h"
#include "os/epoll_reactor.h"

namespace brook::tools {

// A longer line is an error, not a record: the broker would refuse it anyway.
inline constexpr std::size_t kStdinLineBytesMax = 64 * 1024 * 1024;

class StdinLines final : private EpollReactor::Watcher {
public:
    StdinLines(Scheduler& scheduler, EpollReactor& reactor, int fd = 0);
    ~StdinLines();
    StdinLines(const StdinLines&) = delete;
    StdinLines& operator=(const StdinLines&) = delete;

    // The next line without its '\n' (a last line without one counts too), nullopt at the end
    // of input. Stops early, returning nullopt, once `stop` is true. May suspend.
    Result<std::optional<std::string>> next(const bool& stop);

private:
    void on_ready(uint32_t events) override;
    // Reads what is available into buffer_; false at end of input. May suspend.
    Result<bool> fill(const bool& stop);

    EpollReactor& reactor_;
    int fd_;
    bool watched_ = false;
    int original_flags_ = -1;
    bool end_of_input_ = false;
    std::string buffer_;
    std::size_t start_ = 0;    // where the next line begins in buffer_
    std::size_t scanned_ = 0;  // buffer_ before this holds no '\n' after start_
    WaitQueue readable_;
};

}  // namespace brook::tools
