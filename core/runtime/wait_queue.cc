#include "core/runtime/wait_queue.h"

#include "core/base/check.h"

namespace brook {

WaitQueue::~WaitQueue() { ASSERT(empty(), "WaitQueue destroyed with fibers waiting on it"); }

bool WaitQueue::wait(Instant deadline) {
    Waiter waiter{scheduler_.current_fiber()};
    link(waiter);
    // Unlinks on every way out, including the unwinding of a killed fiber.
    struct Unlink {
        WaitQueue& queue;
        Waiter& waiter;
        ~Unlink() {
            if (queue.linked(waiter)) queue.unlink(waiter);
        }
    } guard{*this, waiter};
    scheduler_.park(deadline);
    return waiter.notified;
}

void WaitQueue::notify_one() {
    Waiter* waiter = head_;
    if (waiter == nullptr) return;
    unlink(*waiter);
    waiter->notified = true;
    scheduler_.wake(waiter->fiber);
}

void WaitQueue::notify_all() {
    while (head_ != nullptr) notify_one();
}

void WaitQueue::link(Waiter& waiter) {
    waiter.previous = tail_;
    waiter.next = nullptr;
    if (tail_ != nullptr) {
        tail_->next = &waiter;
    } else {
        head_ = &waiter;
    }
    tail_ = &waiter;
}

void WaitQueue::unlink(Waiter& waiter) {
    (waiter.previous != nullptr ? waiter.previous->next : head_) = waiter.next;
    (waiter.next != nullptr ? waiter.next->previous : tail_) = waiter.previous;
    waiter.previous = waiter.next = nullptr;
}

bool WaitQueue::linked(const Waiter& waiter) const {
    return head_ == &waiter || waiter.previous != nullptr;
}

}  // namespace brook
