// A fiber mutex: holds other fibers back across suspension points (a disk sync, a network round
// trip) where plain single-threaded code would interleave.
//
//   Mutex::Lock lock = mutex.acquire();   // May suspend.
//   persist(value);                       // other fibers that acquire() wait here
//
// Fair: waiters get the mutex in arrival order. All users of a mutex belong to one node, so a
// crash that kills them destroys the mutex with them.
#pragma once

#include <utility>

#include "core/base/check.h"
#include "core/runtime/wait_queue.h"

namespace brook {

class Mutex {
public:
    explicit Mutex(Scheduler& scheduler) : waiters_(scheduler) {}

    class [[nodiscard]] Lock {
    public:
        explicit Lock(Mutex& mutex) : mutex_(&mutex) {}
        Lock(Lock&& other) noexcept : mutex_(std::exchange(other.mutex_, nullptr)) {}
        Lock(const Lock&) = delete;
        Lock& operator=(const Lock&) = delete;
        ~Lock() {
            if (mutex_ != nullptr) mutex_->release();
        }

    private:
        Mutex* mutex_;
    };

    // May suspend.
    Lock acquire() {
        if (!held_ && waiters_.empty()) {
            held_ = true;
        } else {
            // Only release() wakes us, and it hands the mutex over still held.
            bool handed_over = waiters_.wait();
            ASSERT(handed_over && held_);
        }
        return Lock(*this);
    }

    bool held() const { return held_; }

private:
    void release() {
        ASSERT(held_, "release of a mutex that is not held");
        if (waiters_.empty()) {
            held_ = false;
        } else {
            waiters_.notify_one();  // ownership passes directly to the longest waiter
        }
    }

    WaitQueue waiters_;
    bool held_ = false;
};

}  // namespace brook
