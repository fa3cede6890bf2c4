// Runs a test's bodies as fibers and reports their failures on the test's own stack.
//
//   FiberRunner runner(scheduler);
//   runner.spawn("server", [&] { ... REQUIRE(...); ... });
//   runner.spawn("client", [&] { ... });
//   runner.run();            // until both finish; rethrows a failed REQUIRE here
//
// A Catch2 REQUIRE throws; an exception must not leave a fiber (the fiber asserts), so each body
// is wrapped: the first failure is kept, the run stops, the remaining fibers of the runner's
// group are killed (their stacks unwind while the objects they use still exist), and the
// failure is rethrown by run(). Boost.Context's forced_unwind is not caught: it is neither a
// std::exception nor Catch's TestFailureException.
#pragma once

#include <catch2/catch.hpp>

#include <exception>
#include <functional>
#include <string>

#include "core/base/time.h"
#include "core/runtime/scheduler.h"

namespace brook::testing {

class FiberRunner {
public:
    // The fibers of one test; any group the code under test does not use itself.
    static constexpr FiberGroup kGroup = 4242;

    explicit FiberRunner(Scheduler& scheduler) : scheduler_(scheduler) {}

    // Fibers spawned from inside a running body belong to the run as well.
    void spawn(std::string name, std::function<void()> body) {
        ++spawned_;
        scheduler_.spawn_in_group(kGroup, std::move(name), [this, body = std::move(body)] {
            try {
                body();
            } catch (const Catch::TestFailureException&) {
                fail(std::current_exception());
                return;
            } catch (const std::exception&) {
                fail(std::current_exception());
                return;
            }
            if (++finished_ == spawned_) scheduler_.stop();
        });
    }

    // Runs the scheduler until every fiber finished. Fails the test when one failed, or when
    // some are still running after `limit` (a hang, reported instead of waited for ever).
    void run(Duration limit = seconds(30)) {
        Instant end = scheduler_.now() + limit;
        while (finished_ < spawned_ && !failure_) {
            if (scheduler_.run_until(end) != Scheduler::RunEnd::stopped) break;
        }
        bool unfinished = finished_ < spawned_;
        if (unfinished) scheduler_.kill_group(kGroup);
        if (failure_) std::rethrow_exception(failure_);
        if (unfinished) FAIL(spawned_ - finished_ << " of " << spawned_ << " fibers still running");
    }

private:
    void fail(std::exception_ptr failure) {
        if (!failure_) failure_ = failure;
        scheduler_.stop();
    }

    Scheduler& scheduler_;
    int spawned_ = 0;
    int finished_ = 0;
    std::exception_ptr failure_;
};

// Parks the calling fiber for `duration` of the scheduler's time. May suspend.
inline void sleep_for(Scheduler& scheduler, Duration duration) {
    Instant deadline = scheduler.now() + duration;
    while (scheduler.now() < deadline) scheduler.park(deadline);
}

}  // namespace brook::testing
