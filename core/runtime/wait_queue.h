// Fibers waiting for something: bytes to arrive, space in a buffer, a record to be appended.
//
//   WaitQueue readable(scheduler);
//   while (buffer.empty()) {                       // always re-check after waking
//       if (!readable.wait(deadline)) return Error(ErrorCode::timeout);
//   }
//   ...
//   buffer.append(bytes);
//   readable.notify_all();                          // from a fiber, a callback or the reactor
//
// Waiters are woken first in, first out. A waiter that is killed (its node crashed) leaves the
// queue on its own as its stack unwinds.
#pragma once

#include "core/base/time.h"
#include "core/runtime/scheduler.h"

namespace brook {

class WaitQueue {
public:
    explicit WaitQueue(Scheduler& scheduler) : scheduler_(scheduler) {}
    // No fiber may still be waiting: it would wake into freed memory.
    ~WaitQueue();
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;

    // Parks the calling fiber until notified (true) or the deadline passes (false).
    // May suspend.
    bool wait(Instant deadline = kNever);

    void notify_one();
    void notify_all();
    bool empty() const { return head_ == nullptr; }
    Scheduler& scheduler() const { return scheduler_; }

private:
    // Lives on the waiting fiber's stack while it waits.
    struct Waiter {
        FiberId fiber;
        bool notified = false;
        Waiter* previous = nullptr;
        Waiter* next = nullptr;
    };
    void link(Waiter& waiter);
    void unlink(Waiter& waiter);
    bool linked(const Waiter& waiter) const;

    Scheduler& scheduler_;
    Waiter* head_ = nullptr;
    Waiter* tail_ = nullptr;
};

}  // namespace brook
