#include "core/runtime/fiber.h"

#include <exception>
#include <utility>

#include "core/base/check.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define BROOK_HAVE_VALGRIND 1
#endif

#if defined(BROOK_ASAN)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

namespace brook {
namespace context = boost::context;

// AddressSanitizer must be told about every stack switch: before it (start, naming the target
// stack) and right after it on the new stack (finish). A fiber that is leaving for good passes
// nullptr so its fake stack is released.
namespace {
void asan_start_switch(void** fake_stack_save, const void* bottom, std::size_t size) {
#if defined(BROOK_ASAN)
    __sanitizer_start_switch_fiber(fake_stack_save, bottom, size);
#else
    (void)fake_stack_save, (void)bottom, (void)size;
#endif
}
void asan_finish_switch(void* fake_stack, const void** old_bottom, std::size_t* old_size) {
#if defined(BROOK_ASAN)
    __sanitizer_finish_switch_fiber(fake_stack, old_bottom, old_size);
#else
    (void)fake_stack, (void)old_bottom, (void)old_size;
#endif
}
}  // namespace

Fiber::Fiber(FiberId id, FiberGroup group, std::string name, Task body, StackPool& stacks)
    : id_(id), group_(group), name_(std::move(name)), body_(std::move(body)) {
    PooledStackAllocator allocator(stacks);
    stack_ = allocator.allocate();
#if defined(BROOK_ASAN)
    // The stack may be an earlier fiber's (reused from the pool) or sit where one was unmapped,
    // and AddressSanitizer keeps that memory's shadow: frames left poisoned by a fiber that was
    // unwound or never returned would make this fiber's first writes there look like stack
    // overflows (seen in the broker_connection fuzzer). Start every stack clean.
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(stack_.sp) - stack_.size, stack_.size);
#endif
#if defined(BROOK_HAVE_VALGRIND)
    valgrind_stack_id_ =
        VALGRIND_STACK_REGISTER(static_cast<char*>(stack_.sp) - stack_.size, stack_.sp);
#endif
    own_side_ = context::fiber(
        std::allocator_arg, context::preallocated(stack_.sp, stack_.size, stack_), allocator,
        [this](context::fiber&& scheduler_side) { return entry(std::move(scheduler_side)); });
}

Fiber::~Fiber() {
    ASSERT(!own_side_, "fiber {} destroyed while suspended; unwind it first", name_);
#if defined(BROOK_HAVE_VALGRIND)
    VALGRIND_STACK_DEREGISTER(valgrind_stack_id_);
#endif
}

context::fiber Fiber::entry(context::fiber&& scheduler_side) {
    asan_finish_switch(nullptr, &scheduler_stack_bottom_, &scheduler_stack_size_);
    scheduler_side_ = std::move(scheduler_side);
    try {
        body_();
    } catch (const context::detail::forced_unwind&) {
        // The scheduler is destroying this fiber (a crash in simulation, or shutdown).
        asan_start_switch(nullptr, scheduler_stack_bottom_, scheduler_stack_size_);
        throw;
    } catch (const std::exception& exception) {
        ASSERT(false, "fiber '{}' ended with an exception: {}", name_, exception.what());
    }
    state = State::finished;
    body_ = nullptr;  // release captures while the fiber's stack still exists
    asan_start_switch(nullptr, scheduler_stack_bottom_, scheduler_stack_size_);
    return std::move(scheduler_side_);
}

void Fiber::switch_in() {
    void* scheduler_fake_stack = nullptr;
    asan_start_switch(&scheduler_fake_stack, static_cast<char*>(stack_.sp) - stack_.size,
                      stack_.size);
    own_side_ = std::move(own_side_).resume();
    asan_finish_switch(scheduler_fake_stack, nullptr, nullptr);
}

void Fiber::switch_out() {
    asan_start_switch(&fake_stack_, scheduler_stack_bottom_, scheduler_stack_size_);
    try {
        scheduler_side_ = std::move(scheduler_side_).resume();
    } catch (const context::detail::forced_unwind&) {
        asan_finish_switch(fake_stack_, &scheduler_stack_bottom_, &scheduler_stack_size_);
        throw;
    }
    asan_finish_switch(fake_stack_, &scheduler_stack_bottom_, &scheduler_stack_size_);
}

void Fiber::unwind() {
    if (!own_side_) return;
    unwinding = true;
    void* scheduler_fake_stack = nullptr;
    asan_start_switch(&scheduler_fake_stack, static_cast<char*>(stack_.sp) - stack_.size,
                      stack_.size);
    own_side_ = context::fiber();  // resumes the fiber with forced_unwind thrown at its suspension
    asan_finish_switch(scheduler_fake_stack, nullptr, nullptr);
}

}  // namespace brook
