// One fiber: a Boost.Context continuation with its own guarded stack. Only the scheduler
// (core/runtime/scheduler.cc) creates and switches fibers; everything else sees FiberIds.
//
// Stacks are fixed-size with a guard page below them, so an overflow faults at once instead of
// corrupting a neighbour; they come from the scheduler's StackPool and go back to it. Stack
// switches are announced to AddressSanitizer (BROOK_ASAN builds) and registered with valgrind,
// which otherwise take a switched stack for memory corruption.
#pragma once

#include <boost/context/fiber.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "core/runtime/scheduler.h"
#include "core/runtime/stack_pool.h"

namespace brook {

class Fiber {
public:
#if defined(BROOK_ASAN)
    static constexpr std::size_t kStackBytes = 1024 * 1024;  // ASan's redzones need room
#else
    static constexpr std::size_t kStackBytes = 256 * 1024;
#endif

    enum class State { ready, running, parked, finished };

    // The stack comes from `stacks` and goes back to it when the fiber ends or is unwound; the
    // pool must outlive the fiber.
    Fiber(FiberId id, FiberGroup group, std::string name, Task body, StackPool& stacks);
    ~Fiber();
    Fiber(const Fiber&) = delete;
    Fiber& operator=(const Fiber&) = delete;

    FiberId id() const { return id_; }
    FiberGroup group() const { return group_; }
    const std::string& name() const { return name_; }

    // Scheduler side: runs the fiber until it suspends or finishes.
    void switch_in();
    // Fiber side: returns control to the scheduler until the next switch_in().
    void switch_out();
    // Scheduler side: unwinds a fiber that has not finished (its destructors run).
    void unwind();

    State state = State::ready;
    uint64_t park_generation = 0;  // bumped at every park; stale timer wake-ups are ignored
    bool woken = false;            // how the last park ended
    bool unwinding = false;

private:
    boost::context::fiber entry(boost::context::fiber&& scheduler_side);

    FiberId id_;
    FiberGroup group_;
    std::string name_;
    Task body_;
    boost::context::stack_context stack_;
    boost::context::fiber own_side_;        // where to resume the fiber
    boost::context::fiber scheduler_side_;  // where the fiber returns to when it suspends
    unsigned valgrind_stack_id_ = 0;
    // AddressSanitizer bookkeeping, see the annotations in fiber.cc.
    void* fake_stack_ = nullptr;
    const void* scheduler_stack_bottom_ = nullptr;
    std::size_t scheduler_stack_size_ = 0;
};

}  // namespace brook
