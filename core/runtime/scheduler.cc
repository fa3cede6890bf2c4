#include "core/runtime/scheduler.h"

#include <algorithm>
#include <utility>

#include "core/base/check.h"
#include "core/runtime/fiber.h"
#include "core/runtime/stack_pool.h"

namespace brook {

Scheduler::Scheduler(Reactor& reactor)
    : reactor_(reactor),
      stacks_(std::make_unique<StackPool>(Fiber::kStackBytes, StackPool::kKeptMax)) {}

Scheduler::~Scheduler() {
    ASSERT(!in_fiber(), "a scheduler cannot destroy itself from one of its fibers");
    // Newest first: a fiber's children usually borrow from its stack, never the reverse.
    while (!fibers_.empty()) {
        auto it = std::prev(fibers_.end());
        current_ = it->second.get();
        it->second->unwind();
        current_ = nullptr;
        fibers_.erase(it);
    }
}

FiberId Scheduler::spawn(std::string name, Task body) {
    return spawn_in_group(in_fiber() ? current_->group() : kSystemGroup, std::move(name),
                          std::move(body));
}

FiberId Scheduler::spawn_in_group(FiberGroup group, std::string name, Task body) {
    FiberId id = next_fiber_id_++;
    auto fiber = std::make_unique<Fiber>(id, group, std::move(name), std::move(body), *stacks_);
    fibers_.emplace(id, std::move(fiber));
    ready_.push_back(id);
    return id;
}

FiberId Scheduler::current_fiber() const {
    ASSERT(in_fiber());
    return current_->id();
}

FiberGroup Scheduler::current_group() const {
    return in_fiber() ? current_->group() : kSystemGroup;
}

Fiber& Scheduler::current() {
    ASSERT(in_fiber(), "only a fiber can suspend");
    return *current_;
}

Scheduler::RunEnd Scheduler::run_until(Instant limit) {
    ASSERT(!in_fiber(), "run() from inside a fiber");
    stop_requested_ = false;
    while (true) {
        while (!ready_.empty() && !stop_requested_) {
            FiberId id = ready_.front();
            ready_.pop_front();
            auto it = fibers_.find(id);
            if (it == fibers_.end()) continue;  // killed while it was queued
            resume(*it->second);
        }
        if (stop_requested_) return RunEnd::stopped;
        if (fire_due_timers()) continue;
        if (now() >= limit) return RunEnd::time_limit;
        Instant next = timers_.empty() ? kNever : timers_.front().at;
        if (!reactor_.wait_until(std::min(next, limit))) return RunEnd::idle;
    }
}

void Scheduler::resume(Fiber& fiber) {
    ASSERT(fiber.state == Fiber::State::ready, "fiber '{}' resumed while not ready", fiber.name());
    fiber.state = Fiber::State::running;
    current_ = &fiber;
    ++switches_;
    fiber.switch_in();
    current_ = nullptr;
    if (fiber.state == Fiber::State::finished) fibers_.erase(fiber.id());
}

bool Scheduler::fire_due_timers() {
    bool fired = false;
    Instant time = now();
    while (!timers_.empty() && timers_.front().at <= time) {
        TimerEntry entry = pop_timer();
        if (entry.fiber != 0) {
            auto it = fibers_.find(entry.fiber);
            if (it == fibers_.end()) continue;
            Fiber& fiber = *it->second;
            if (fiber.state != Fiber::State::parked || fiber.park_generation != entry.generation) {
                continue;  // woken some other way since; this deadline is stale
            }
            fiber.woken = false;
            make_ready(fiber);
            fired = true;
        } else {
            if (callback_slots_[entry.slot].timer != entry.timer) continue;  // cancelled
            std::function<void()> callback = std::move(callback_slots_[entry.slot].function);
            free_slot(entry.slot);
            callback();  // may add timers, moving callback_slots_
            fired = true;
        }
        if (stop_requested_) break;
    }
    return fired;
}

void Scheduler::push_timer(const TimerEntry& entry) {
    timers_.push_back(entry);
    std::push_heap(timers_.begin(), timers_.end(), LaterFirst{});
}

Scheduler::TimerEntry Scheduler::pop_timer() {
    std::pop_heap(timers_.begin(), timers_.end(), LaterFirst{});
    TimerEntry entry = timers_.back();
    timers_.pop_back();
    return entry;
}

void Scheduler::free_slot(uint32_t slot) {
    CallbackSlot& freed = callback_slots_[slot];
    ASSERT(freed.timer != 0, "callback slot {} freed twice", slot);
    freed.timer = 0;
    freed.function = nullptr;
    free_slots_.push_back(slot);
}

TimerId Scheduler::call_at(Instant at, std::function<void()> callback) {
    return call_at_in_group(current_group(), at, std::move(callback));
}

TimerId Scheduler::call_at_in_group(FiberGroup group, Instant at, std::function<void()> callback) {
    ASSERT(callback != nullptr, "a callback timer needs a callback");
    TimerId id = next_timer_id_++;
    uint32_t slot;
    if (free_slots_.empty()) {
        slot = static_cast<uint32_t>(callback_slots_.size());
        callback_slots_.emplace_back();
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    callback_slots_[slot] = CallbackSlot{id, group, std::move(callback)};
    push_timer(TimerEntry{at, next_timer_sequence_++, 0, 0, id, slot});
    return id;
}

void Scheduler::cancel(TimerId timer) {
    if (timer == 0) return;
    for (uint32_t slot = 0; slot < callback_slots_.size(); ++slot) {
        if (callback_slots_[slot].timer == timer) {
            free_slot(slot);
            return;
        }
    }
}

void Scheduler::make_ready(Fiber& fiber) {
    fiber.state = Fiber::State::ready;
    ready_.push_back(fiber.id());
}

void Scheduler::yield() {
    Fiber& fiber = current();
    ASSERT(!fiber.unwinding, "fiber '{}' suspends while being destroyed", fiber.name());
    make_ready(fiber);
    fiber.switch_out();
}

bool Scheduler::park(Instant deadline) {
    Fiber& fiber = current();
    ASSERT(!fiber.unwinding, "fiber '{}' suspends while being destroyed", fiber.name());
    fiber.state = Fiber::State::parked;
    ++fiber.park_generation;
    if (deadline != kNever) {
        push_timer(
            TimerEntry{deadline, next_timer_sequence_++, fiber.id(), fiber.park_generation, 0, 0});
    }
    fiber.switch_out();
    return fiber.woken;
}

void Scheduler::wake(FiberId id) {
    auto it = fibers_.find(id);
    if (it == fibers_.end()) return;
    Fiber& fiber = *it->second;
    if (fiber.state != Fiber::State::parked) return;
    fiber.woken = true;
    make_ready(fiber);
}

void Scheduler::kill_group(FiberGroup group) {
    ASSERT(current_group() != group || !in_fiber(), "group {} cannot kill itself", group);
    Fiber* previous = current_;
    // Newest first, as in the destructor. The victims are chosen before any unwinds, so a
    // fiber spawned by a destructor during the kill survives it (and is a bug to look for).
    std::vector<FiberId> victims;
    for (const auto& [id, fiber] : fibers_) {
        if (fiber->group() == group) victims.push_back(id);
    }
    for (auto id = victims.rbegin(); id != victims.rend(); ++id) {
        auto it = fibers_.find(*id);
        current_ = it->second.get();
        it->second->unwind();
        fibers_.erase(it);
    }
    current_ = previous;
    for (uint32_t slot = 0; slot < callback_slots_.size(); ++slot) {
        if (callback_slots_[slot].timer != 0 && callback_slots_[slot].group == group) {
            free_slot(slot);
        }
    }
}

}  // namespace brook
