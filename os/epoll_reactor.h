// The production reactor: CLOCK_MONOTONIC for time and epoll for socket readiness.
//
//   TRY_ASSIGN(std::unique_ptr<EpollReactor> reactor, EpollReactor::create());
//   Scheduler scheduler(*reactor);
//   EpollNetwork network(scheduler, *reactor, log_sink);   // watches its sockets here
//   scheduler.run();
//
// When the scheduler has no ready fiber it calls wait_until(next timer); that blocks in
// epoll_pwait2 (exact deadlines) or, where the kernel lacks it, epoll_wait with the timeout
// rounded up to whole milliseconds, so a timer never fires early. Readiness is dispatched to the
// registered Watchers on the scheduler's own stack: a Watcher only notifies WaitQueues and
// never suspends.
//
// Stopping from outside (SIGTERM): wake() is async-signal-safe and thread-safe; it makes the
// current or next wait return and then runs the wake callback on the scheduler stack.
//
//   std::atomic<bool> stop_requested{false};             // a global in tools/, set by the handler
//   void on_signal(int) { stop_requested = true; g_reactor->wake(); }
//   reactor->set_wake_callback([&] { if (stop_requested) shutdown.notify_all(); });
//
// where `shutdown` is a WaitQueue a shutdown fiber parks on (it closes listeners, drains, then
// calls scheduler.stop()); or the callback calls scheduler.stop() directly for a hard stop.
// Install the handler with sigaction (no SA_RESTART needed: an interrupted wait returns).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "core/base/result.h"
#include "core/runtime/reactor.h"

struct epoll_event;  // <sys/epoll.h> stays in the .cc

namespace brook {

class EpollReactor final : public Reactor {
public:
    // Receives the readiness of one file descriptor.
    class Watcher {
    public:
        // `events` is an EPOLLIN/EPOLLOUT/EPOLLRDHUP/EPOLLERR/EPOLLHUP mask. Runs on the
        // scheduler stack: notify WaitQueues, never suspend, never unwatch another fd.
        virtual void on_ready(uint32_t events) = 0;

    protected:
        ~Watcher() = default;
    };

    // Events per epoll_wait call; more ready descriptors are reported by the next call.
    static constexpr int kEventsPerWaitMax = 256;

    // Fails with io_error when the process is out of descriptors or memory.
    static Result<std::unique_ptr<EpollReactor>> create();
    ~EpollReactor() override;
    EpollReactor(const EpollReactor&) = delete;
    EpollReactor& operator=(const EpollReactor&) = delete;

    // CLOCK_MONOTONIC.
    Instant now() const override;

    // Blocks until a watched descriptor is ready, wake() was called, a signal arrived, or
    // now() >= deadline; dispatches what is ready. Always returns true: the outside world can
    // always produce events.
    bool wait_until(Instant deadline) override;

    // Registers `fd`, edge-triggered, for `events` (by default readable, writable and peer
    // hang-up). The watcher must outlive the registration; at most one watcher per fd.
    Result<void> watch(int fd, Watcher& watcher);
    Result<void> watch(int fd, Watcher& watcher, uint32_t events);

    // Removes the registration. Call before closing the fd. Events already collected for it
    // in the current batch are dropped.
    void unwatch(int fd);

    // Interrupts the current or next wait. Async-signal-safe; callable from any thread.
    void wake();

    // Runs on the scheduler stack after a wait that observed wake(). Must not suspend.
    void set_wake_callback(std::function<void()> callback) { wake_callback_ = std::move(callback); }

    std::size_t watched_count() const { return watchers_.size(); }

private:
    EpollReactor(int epoll_fd, int wake_fd);
    int wait_once(Instant deadline);
    void dispatch(int event_count);

    // Tokens in epoll_event.data: 0 is the wake eventfd, watchers count up from 1. A token is
    // never reused, so an event collected for an fd that was unwatched (and perhaps reopened
    // under the same number) in the same batch cannot reach the wrong watcher.
    static constexpr uint64_t kWakeToken = 0;

    int epoll_fd_;
    int wake_fd_;
    bool have_pwait2_ = true;  // cleared when the kernel answers ENOSYS
    uint64_t next_token_ = 1;
    std::unordered_map<int, uint64_t> tokens_;         // fd -> token
    std::unordered_map<uint64_t, Watcher*> watchers_;  // token -> watcher
    std::function<void()> wake_callback_;
    std::unique_ptr<epoll_event[]> events_;  // kEventsPerWaitMax of them
};

}  // namespace brook
