// Timers: whatever the deadlines and however they were created, they fire in deadline order
// (creation order among equals) and never before their deadline.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/runtime/scheduler.h"
#include "sim/sim_reactor.h"

namespace brook {
namespace {

struct Fired {
    Instant deadline;
    int created;
    Instant at;
};

TEST_CASE("timers: callbacks and parked fibers fire in order, never early") {
    rc::prop("timers fire in (deadline, creation) order and never early", [] {
        // Deadlines in microseconds from the start; some collide on purpose.
        auto offsets = *rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 2000));
        auto as_fiber = *rc::gen::container<std::vector<bool>>(offsets.size(),
                                                               rc::gen::arbitrary<bool>());
        sim::SimReactor reactor;
        Scheduler scheduler(reactor);
        Instant start = scheduler.now();
        std::vector<Fired> fired;
        for (int i = 0; i < static_cast<int>(offsets.size()); ++i) {
            Instant deadline = start + microseconds(offsets[i]);
            if (as_fiber[i]) {
                scheduler.spawn("sleeper", [&, deadline, i] {
                    RC_ASSERT_FALSE(scheduler.park(deadline));  // nobody wakes it: a timeout
                    fired.push_back({deadline, i, scheduler.now()});
                });
            } else {
                scheduler.call_at(deadline, [&, deadline, i] {
                    fired.push_back({deadline, i, scheduler.now()});
                });
            }
        }
        scheduler.run();
        RC_ASSERT(fired.size() == offsets.size());
        for (const Fired& f : fired) RC_ASSERT(f.at == f.deadline);  // virtual time: exact
        // Fibers run one step after their timer fires, so compare by deadline only across
        // kinds, and by creation within one kind.
        for (std::size_t i = 1; i < fired.size(); ++i) {
            RC_ASSERT(fired[i - 1].deadline <= fired[i].deadline);
            if (fired[i - 1].deadline == fired[i].deadline &&
                as_fiber[fired[i - 1].created] == as_fiber[fired[i].created]) {
                RC_ASSERT(fired[i - 1].created < fired[i].created);
            }
        }
    });
}

TEST_CASE("timers: a cancelled callback never runs, the others still do in order") {
    rc::prop("cancel removes exactly the cancelled timers", [] {
        auto offsets = *rc::gen::nonEmpty(
            rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 1000)));
        auto cancel = *rc::gen::container<std::vector<bool>>(offsets.size(),
                                                            rc::gen::arbitrary<bool>());
        sim::SimReactor reactor;
        Scheduler scheduler(reactor);
        std::vector<int> ran;
        std::vector<TimerId> ids;
        for (int i = 0; i < static_cast<int>(offsets.size()); ++i) {
            ids.push_back(scheduler.call_at(scheduler.now() + microseconds(offsets[i]),
                                            [&ran, i] { ran.push_back(i); }));
        }
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (cancel[i]) scheduler.cancel(ids[i]);
        }
        scheduler.run();
        std::vector<int> expected;
        for (int i = 0; i < static_cast<int>(offsets.size()); ++i) {
            if (!cancel[i]) expected.push_back(i);
        }
        std::stable_sort(expected.begin(), expected.end(),
                         [&](int a, int b) { return offsets[a] < offsets[b]; });
        RC_ASSERT(ran == expected);
    });
}

}  // namespace
}  // namespace brook
