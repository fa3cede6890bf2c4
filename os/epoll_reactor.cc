#include "os/epoll_reactor.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

#include "core/base/check.h"
#include "os/errno_text.h"

namespace brook {

Result<std::unique_ptr<EpollReactor>> EpollReactor::create() {
    int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) return Error(ErrorCode::io_error, "epoll_create1: " + errno_text(errno));
    int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) {
        int error = errno;
        ::close(epoll_fd);
        return Error(ErrorCode::io_error, "eventfd: " + errno_text(error));
    }
    // Level-triggered: dispatch() drains the counter, so a missed edge cannot lose a wake().
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = kWakeToken;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event) != 0) {
        int error = errno;
        ::close(wake_fd);
        ::close(epoll_fd);
        return Error(ErrorCode::io_error, "epoll_ctl(eventfd): " + errno_text(error));
    }
    return std::unique_ptr<EpollReactor>(new EpollReactor(epoll_fd, wake_fd));
}

EpollReactor::EpollReactor(int epoll_fd, int wake_fd)
    : epoll_fd_(epoll_fd),
      wake_fd_(wake_fd),
      events_(std::make_unique<epoll_event[]>(kEventsPerWaitMax)) {}

EpollReactor::~EpollReactor() {
    // Watchers unregister as they close; any left over belong to leaked sockets.
    ::close(wake_fd_);
    ::close(epoll_fd_);
}

Instant EpollReactor::now() const {
    timespec time{};
    ::clock_gettime(CLOCK_MONOTONIC, &time);
    return Instant(seconds(time.tv_sec) + nanoseconds(time.tv_nsec));
}

bool EpollReactor::wait_until(Instant deadline) {
    while (true) {
        int count = wait_once(deadline);
        if (count > 0) {
            dispatch(count);
            return true;
        }
        // A signal: its handler may have asked for something (it calls wake(), whose event
        // the next wait reports), so give the scheduler a look.
        if (count < 0) return true;
        // Timed out. Both waits sleep at least the timeout, but re-check rather than trust it:
        // the scheduler relies on time having reached the deadline.
        if (now() >= deadline) return true;
    }
}

// Returns the number of events, 0 on timeout, -1 when interrupted by a signal.
int EpollReactor::wait_once(Instant deadline) {
    auto* events = events_.get();
    Duration remaining = deadline == kNever ? Duration::max() : deadline - now();
    if (remaining < Duration::zero()) remaining = Duration::zero();
    int count = 0;
    if (have_pwait2_) {
        timespec timeout{};
        timeout.tv_sec = remaining.count() / 1'000'000'000;
        timeout.tv_nsec = remaining.count() % 1'000'000'000;
        count = ::epoll_pwait2(epoll_fd_, events, kEventsPerWaitMax,
                               deadline == kNever ? nullptr : &timeout, nullptr);
        if (count < 0 && errno == ENOSYS) {
            have_pwait2_ = false;  // an old kernel or a seccomp filter; fall back for good
            return 0;
        }
    } else {
        int timeout_ms = -1;
        if (deadline != kNever) {
            // Rounded up: a timer must never fire before its deadline.
            int64_t ms = (remaining.count() + 999'999) / 1'000'000;
            timeout_ms = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
        }
        count = ::epoll_wait(epoll_fd_, events, kEventsPerWaitMax, timeout_ms);
    }
    if (count < 0) {
        ASSERT(errno == EINTR, "epoll wait failed: {}", errno_text(errno));
        return -1;
    }
    return count;
}

void EpollReactor::dispatch(int event_count) {
    bool woken = false;
    for (int i = 0; i < event_count; ++i) {
        // Copied out: epoll_event is packed on x86-64, so its u64 cannot bind to a reference.
        const uint64_t token = events_[i].data.u64;
        const uint32_t events = events_[i].events;
        if (token == kWakeToken) {
            uint64_t counter = 0;
            // Nonblocking: EAGAIN only means another read drained it first.
            [[maybe_unused]] ssize_t n = ::read(wake_fd_, &counter, sizeof counter);
            woken = true;
            continue;
        }
        auto it = watchers_.find(token);
        if (it == watchers_.end()) continue;  // unwatched since the wait collected it
        it->second->on_ready(events);
    }
    if (woken && wake_callback_) wake_callback_();
}

Result<void> EpollReactor::watch(int fd, Watcher& watcher) {
    return watch(fd, watcher, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
}

Result<void> EpollReactor::watch(int fd, Watcher& watcher, uint32_t events) {
    ASSERT(fd >= 0);
    ASSERT(!tokens_.contains(fd), "fd {} is watched twice", fd);
    uint64_t token = next_token_++;
    epoll_event event{};
    event.events = events | EPOLLET;
    event.data.u64 = token;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
        // ENOMEM, or ENOSPC at fs.epoll.max_user_watches: the caller refuses this socket.
        return Error(ErrorCode::io_error, fmt::format("epoll_ctl(add fd {}): {}", fd,
                                                      errno_text(errno)));
    }
    tokens_.emplace(fd, token);
    watchers_.emplace(token, &watcher);
    return ok();
}

void EpollReactor::unwatch(int fd) {
    auto it = tokens_.find(fd);
    ASSERT(it != tokens_.end(), "fd {} is not watched", fd);
    int result = ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    ASSERT(result == 0, "epoll_ctl(del fd {}): {}", fd, errno_text(errno));
    watchers_.erase(it->second);
    tokens_.erase(it);
}

void EpollReactor::wake() {
    // Async-signal-safe: one write(2), and errno is restored for the interrupted code.
    int saved_errno = errno;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
    errno = saved_errno;
}

}  // namespace brook
