// The fiber scheduler: many cooperative fibers on one OS thread, with timers.
//
//   Scheduler scheduler(reactor);
//   scheduler.spawn("accept", [&] {
//       while (auto connection = listener.accept()) { ... }   // parks this fiber, others run
//   });
//   scheduler.run();
//
// Code in fibers is written in blocking style: a read that has no bytes parks the fiber
// (WaitQueue::wait or Scheduler::park) and the scheduler resumes another. Nothing runs in
// parallel, so no locks are needed; but other fibers run at every suspension point, so state
// read before one must be re-checked after it ("May suspend." in a comment marks such calls).
//
// Every fiber and callback timer belongs to a FiberGroup, inherited from the fiber that created
// it. The simulator gives each node its own group, so a crash kills exactly that node's fibers
// and timers (kill_group) while the other nodes run on.
//
// Ordering is deterministic: ready fibers run first in, first out; timers fire in order of
// (deadline, creation sequence). Given the same reactor behaviour, a run is the same run.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/task.h"
#include "core/base/time.h"
#include "core/runtime/reactor.h"

namespace brook {

using FiberId = uint64_t;
using TimerId = uint64_t;
using FiberGroup = uint32_t;
inline constexpr FiberGroup kSystemGroup = 0;

class Fiber;
class StackPool;

class Scheduler {
public:
    explicit Scheduler(Reactor& reactor);
    // Kills every remaining fiber, unwinding its stack.
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    Instant now() const { return reactor_.now(); }

    // Creates a fiber that starts at the next scheduling step, in the caller's group (or the
    // system group outside fibers).
    FiberId spawn(std::string name, Task body);
    FiberId spawn_in_group(FiberGroup group, std::string name, Task body);

    enum class RunEnd { stopped, idle, time_limit };
    // Runs fibers, timers and the reactor until stop() is called or nothing can happen.
    RunEnd run() { return run_until(kNever); }
    // The same, but returns once time reaches `limit` (fibers ready at `limit` have run).
    RunEnd run_until(Instant limit);
    // Makes run() return after the current step. Callable from fibers and callbacks.
    void stop() { stop_requested_ = true; }

    // Runs `callback` on the scheduler's own stack at `at`. The callback must not suspend.
    TimerId call_at(Instant at, std::function<void()> callback);
    // The same, but the timer belongs to `group` rather than to the caller's group. The
    // simulator's network uses a group of its own (new_group) so that a delivery scheduled from
    // a node's fiber is not cancelled when that node crashes.
    TimerId call_at_in_group(FiberGroup group, Instant at, std::function<void()> callback);
    // Cancels a pending callback timer; no-op when it already ran or was cancelled. Linear in
    // the pending callbacks: callers cancel rarely, and a callback that can be found by id in
    // constant time would cost a map node on every call_at, which the simulator's network makes
    // by the thousand.
    void cancel(TimerId timer);

    // A group no fiber or timer is in yet, for a component that wants kill_group() to cancel
    // exactly its own timers (the simulated network). Counts down from the top, out of the way
    // of the small numbers that callers choose themselves.
    FiberGroup new_group() { return next_free_group_--; }

    // Gives other ready fibers a turn. May suspend.
    void yield();

    // Parks the calling fiber until wake() or the deadline. Returns true when woken, false when
    // the deadline passed. Prefer WaitQueue, which is built on this. May suspend.
    bool park(Instant deadline);

    // Makes a parked fiber ready. No-op for a fiber that is not parked or no longer exists.
    void wake(FiberId fiber);

    // Destroys every fiber of the group, newest first (their stacks unwind; destructors run but
    // must not suspend) and cancels the group's timers. Not callable from a fiber of that group.
    void kill_group(FiberGroup group);

    bool in_fiber() const { return current_ != nullptr; }
    FiberId current_fiber() const;
    FiberGroup current_group() const;
    std::size_t fiber_count() const { return fibers_.size(); }
    // Context switches so far, for benchmarks.
    uint64_t switch_count() const { return switches_; }

private:
    // A fiber's park deadline or a callback's. Entries stay small, as the heap moves them: a
    // callback lives in a slot of callback_slots_, and an entry whose slot no longer holds its
    // timer (cancelled, the slot reused) is skipped when it comes due.
    struct TimerEntry {
        Instant at;
        uint64_t sequence;
        FiberId fiber;        // 0 for a callback timer
        uint64_t generation;  // the park this wake-up belongs to (fiber timers)
        TimerId timer;        // the callback's id (callback timers)
        uint32_t slot;        // its index in callback_slots_ (callback timers)
    };
    struct CallbackSlot {
        TimerId timer = 0;  // 0: free
        FiberGroup group = kSystemGroup;
        std::function<void()> function;
    };
    struct LaterFirst {
        bool operator()(const TimerEntry& a, const TimerEntry& b) const {
            if (a.at != b.at) return a.at > b.at;
            return a.sequence > b.sequence;
        }
    };

    void resume(Fiber& fiber);
    void switch_to_scheduler(Fiber& fiber);
    void run_fiber_body(Fiber& fiber);
    bool fire_due_timers();
    void push_timer(const TimerEntry& entry);
    TimerEntry pop_timer();
    void free_slot(uint32_t slot);
    void make_ready(Fiber& fiber);
    Fiber& current();

    friend class Fiber;

    Reactor& reactor_;
    // Before fibers_: a fiber's stack goes back to the pool when the fiber dies.
    std::unique_ptr<StackPool> stacks_;
    std::map<FiberId, std::unique_ptr<Fiber>> fibers_;  // by id: deterministic kill order
    std::deque<FiberId> ready_;
    std::vector<TimerEntry> timers_;  // a heap under LaterFirst: the earliest at front()
    std::vector<CallbackSlot> callback_slots_;
    std::vector<uint32_t> free_slots_;  // reused last freed first, so the same run reuses alike
    Fiber* current_ = nullptr;
    FiberId next_fiber_id_ = 1;
    TimerId next_timer_id_ = 1;
    uint64_t next_timer_sequence_ = 0;
    FiberGroup next_free_group_ = std::numeric_limits<FiberGroup>::max();
    uint64_t switches_ = 0;
    bool stop_requested_ = false;
    void* scheduler_fake_stack_ = nullptr;  // AddressSanitizer bookkeeping
};

}  // namespace brook
