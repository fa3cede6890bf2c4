#include "tools/brook/stdin_lines.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace brook::tools {
namespace {

constexpr std::size_t kReadChunkBytes = 64 * 1024;

}  // namespace

StdinLines::StdinLines(Scheduler& scheduler, EpollReactor& reactor, int fd)
    : reactor_(reactor), fd_(fd), readable_(scheduler) {
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0) return;  // a closed descriptor: reads fail and report it
    if (!reactor_.watch(fd_, *this, EPOLLIN | EPOLLRDHUP)) return;  // a regular file
    watched_ = true;
    original_flags_ = flags;
    ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
}

StdinLines::~StdinLines() {
    if (!watched_) return;
    reactor_.unwatch(fd_);
    ::fcntl(fd_, F_SETFL, original_flags_);  // the shell shares a terminal's flags
}

void StdinLines::on_ready(uint32_t) { readable_.notify_all(); }

Result<bool> StdinLines::fill(const bool& stop) {
    std::size_t old_size = buffer_.size();
    buffer_.resize(old_size + kReadChunkBytes);
    while (true) {
        ssize_t got = ::read(fd_, buffer_.data() + old_size, kReadChunkBytes);
        if (got > 0) {
            buffer_.resize(old_size + static_cast<std::size_t>(got));
            return true;
        }
        if (got == 0) {
            buffer_.resize(old_size);
            return false;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN && watched_) {
            if (stop) {
                buffer_.resize(old_size);
                return false;
            }
            // Edge-triggered: wait for the next arrival; a signal's wake re-checks `stop`.
            readable_.wait(reactor_.now() + milliseconds(200));
            continue;
        }
        int error = errno;
        buffer_.resize(old_size);
        return Error(ErrorCode::io_error, fmt::format("read stdin: {}", std::strerror(error)));
    }
}

Result<std::optional<std::string>> StdinLines::next(const bool& stop) {
    while (true) {
        std::size_t newline = buffer_.find('\n', std::max(start_, scanned_));
        if (newline != std::string::npos) {
            std::string line = buffer_.substr(start_, newline - start_);
            start_ = newline + 1;
            return std::optional<std::string>(std::move(line));
        }
        // Consumed lines leave the buffer only here, once per read, so taking a line is
        // never a move of everything behind it.
        buffer_.erase(0, start_);
        start_ = 0;
        scanned_ = buffer_.size();
        if (end_of_input_ || stop) {
            if (buffer_.empty() || stop) return std::optional<std::string>();
            std::string last = std::move(buffer_);
            buffer_.clear();
            scanned_ = 0;
            return std::optional<std::string>(std::move(last));
        }
        if (buffer_.size() > kStdinLineBytesMax) {
            return Error(ErrorCode::too_large,
                         fmt::format("a stdin line is longer than {} bytes", kStdinLineBytesMax));
        }
        TRY_ASSIGN(bool more, fill(stop));
        if (!more) end_of_input_ = true;
    }
}

}  // namespace brook::tools
