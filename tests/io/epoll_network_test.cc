#include "net/epoll_network.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <chrono>
#include <thread>

#include "core/base/logger.h"
#include "os/epoll_reactor.h"
#include "os/system_clock.h"
#include "tests/io/fiber_runner.h"
#include "tests/io/network_contract.h"

namespace brook {
namespace {

std::unique_ptr<EpollReactor> make_reactor() {
    auto reactor = EpollReactor::create();
    REQUIRE(reactor.ok());
    return std::move(*reactor);
}

// Loopback only, port 0: tests never collide with each other or with a running broker.
class EpollNetworkFixture final : public contract::NetworkFixture {
public:
    EpollNetworkFixture()
        : reactor_(make_reactor()), scheduler_(*reactor_), network_(scheduler_, *reactor_, log_) {}
    ~EpollNetworkFixture() override { CHECK(reactor_->watched_count() == 0); }  // no leaked sockets

    Scheduler& scheduler() override { return scheduler_; }
    Network& server_network() override { return network_; }
    Network& client_network() override { return network_; }
    Address listen_address() override { return Address{"127.0.0.1", 0}; }
    EpollReactor& reactor() { return *reactor_; }

private:
    NullLogSink log_;
    std::unique_ptr<EpollReactor> reactor_;
    Scheduler scheduler_;
    EpollNetwork network_;
};

// A plain blocking socket, to play a peer the interface cannot express (one that resets).
int raw_connect(const Address& address) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in peer{};
    peer.sin_family = AF_INET;
    peer.sin_port = htons(address.port);
    REQUIRE(::inet_pton(AF_INET, address.host.c_str(), &peer.sin_addr) == 1);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&peer), sizeof peer) == 0);
    return fd;
}

}  // namespace

BROOK_NETWORK_CONTRACT_TESTS("epoll network", EpollNetworkFixture)

TEST_CASE("epoll network: a peer that sends garbage and resets yields disconnected") {
    EpollNetworkFixture fixture;
    auto listener = fixture.server_network().listen(fixture.listen_address());
    REQUIRE(listener.ok());
    int raw = raw_connect((*listener)->local_address());
    std::vector<uint8_t> garbage(50'000, 0xff);
    REQUIRE(::send(raw, garbage.data(), garbage.size(), 0) == ssize_t(garbage.size()));
    // SO_LINGER with a zero timeout turns close() into a reset (RST), not a FIN.
    linger abort{1, 0};
    REQUIRE(::setsockopt(raw, SOL_SOCKET, SO_LINGER, &abort, sizeof abort) == 0);
    ::close(raw);
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("server", [&] {
        auto connection = (*listener)->accept(fixture.scheduler().now() + seconds(5));
        REQUIRE(connection.ok());
        std::vector<uint8_t> buffer(4096);
        std::size_t received = 0;
        Result<std::size_t> n = std::size_t{0};
        // Some of the garbage may be read before the reset is noticed; then only errors.
        while ((n = (*connection)->read(buffer, fixture.scheduler().now() + seconds(5)))) {
            received += *n;
        }
        INFO(n.error().describe() << " after " << received << " bytes");
        REQUIRE(n.error().code() == ErrorCode::disconnected);
        REQUIRE(received <= garbage.size());
        // No SIGPIPE (the test process would die), only disconnected.
        auto written = (*connection)->write(garbage);
        REQUIRE_FALSE(written.ok());
        REQUIRE(written.error().code() == ErrorCode::disconnected);
    });
    runner.run();
}

TEST_CASE("epoll network: connects by name and reports the bound port") {
    EpollNetworkFixture fixture;
    auto listener = fixture.server_network().listen(Address{"127.0.0.1", 0});
    REQUIRE(listener.ok());
    Address bound = (*listener)->local_address();
    REQUIRE(bound.host == "127.0.0.1");
    REQUIRE(bound.port != 0);
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("server", [&] {
        auto connection = (*listener)->accept(fixture.scheduler().now() + seconds(5));
        REQUIRE(connection.ok());
        REQUIRE((*connection)->peer().host == "127.0.0.1");
    });
    runner.spawn("client", [&] {
        // "localhost" may resolve to ::1 first, where nothing listens: the next address wins.
        auto connection = fixture.client_network().connect(Address{"localhost", bound.port},
                                                           fixture.scheduler().now() + seconds(5));
        INFO((connection.ok() ? "ok" : connection.error().describe()));
        REQUIRE(connection.ok());
        REQUIRE((*connection)->peer().port == bound.port);
    });
    runner.run();
}

TEST_CASE("epoll network: a second listener on a bound port is already_exists") {
    EpollNetworkFixture fixture;
    auto first = fixture.server_network().listen(Address{"127.0.0.1", 0});
    REQUIRE(first.ok());
    auto second = fixture.server_network().listen((*first)->local_address());
    REQUIRE_FALSE(second.ok());
    REQUIRE(second.error().code() == ErrorCode::already_exists);
    auto unresolvable = fixture.server_network().listen(Address{"no-such-host.invalid", 0});
    REQUIRE_FALSE(unresolvable.ok());
    REQUIRE(unresolvable.error().code() == ErrorCode::invalid_argument);
}

TEST_CASE("epoll network: IPv6 loopback works when the host has it") {
    EpollNetworkFixture fixture;
    auto listener = fixture.server_network().listen(Address{"::1", 0});
    if (!listener.ok()) {
        WARN("no IPv6 loopback here: " << listener.error().describe());
        return;
    }
    Address bound = (*listener)->local_address();
    REQUIRE(bound.host == "::1");
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("server", [&] {
        auto connection = (*listener)->accept(fixture.scheduler().now() + seconds(5));
        REQUIRE(connection.ok());
        REQUIRE((*connection)->write(contract::detail::text("v6")).ok());
    });
    runner.spawn("client", [&] {
        auto connection = fixture.client_network().connect(bound);
        REQUIRE(connection.ok());
        std::vector<uint8_t> reply(2);
        REQUIRE((*connection)->read_exact(reply, fixture.scheduler().now() + seconds(5)).ok());
        REQUIRE(reply == contract::detail::text("v6"));
    });
    runner.run();
}

TEST_CASE("epoll reactor: timers never fire before their deadline") {
    auto reactor = make_reactor();
    Scheduler scheduler(*reactor);
    testing::FiberRunner runner(scheduler);
    runner.spawn("sleeper", [&] {
        for (Duration sleep : {Duration(microseconds(100)), Duration(microseconds(1500)), Duration(milliseconds(3))}) {
            Instant deadline = scheduler.now() + sleep;
            REQUIRE_FALSE(scheduler.park(deadline));
            REQUIRE(scheduler.now() >= deadline);
        }
    });
    runner.run();
}

TEST_CASE("epoll reactor: wake() from another thread runs the wake callback") {
    auto reactor = make_reactor();
    // Before the scheduler: when a failed REQUIRE leaves the test early, the scheduler's
    // destructor unwinds the parked fiber, whose Flag writes to it.
    bool parked_fiber_unwound = false;
    Scheduler scheduler(*reactor);
    // What tools/ does on SIGTERM: the handler sets a flag and wakes the reactor; the callback,
    // on the scheduler's stack, turns the flag into a stop.
    std::atomic<bool> stop_requested{false};
    reactor->set_wake_callback([&] {
        if (stop_requested) scheduler.stop();
    });
    scheduler.spawn("parked for ever", [&] {
        struct Flag {
            bool& unwound;
            ~Flag() { unwound = true; }
        } flag{parked_fiber_unwound};
        scheduler.park(kNever);
    });
    // Read before the signaller starts: on a loaded machine the thread can be well into its
    // sleep before this one runs again.
    Instant started = scheduler.now();
    std::thread signaller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        reactor->wake();  // a wake without the flag is harmless
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        stop_requested = true;
        reactor->wake();
    });
    REQUIRE(scheduler.run() == Scheduler::RunEnd::stopped);
    signaller.join();
    REQUIRE(scheduler.now() - started >= milliseconds(20));
    REQUIRE(scheduler.fiber_count() == 1);
    REQUIRE_FALSE(parked_fiber_unwound);
    scheduler.kill_group(kSystemGroup);
    REQUIRE(parked_fiber_unwound);
}

// The pattern documented in os/epoll_reactor.h for SIGTERM, with SIGUSR1 so that a failure
// cannot terminate the test binary.
EpollReactor* g_signal_reactor = nullptr;
volatile std::sig_atomic_t g_signal_seen = 0;

void on_test_signal(int) {
    g_signal_seen = 1;
    g_signal_reactor->wake();
}

TEST_CASE("epoll reactor: a signal handler stops the loop through wake()") {
    auto reactor = make_reactor();
    Scheduler scheduler(*reactor);
    g_signal_reactor = reactor.get();
    g_signal_seen = 0;
    struct sigaction action {};
    action.sa_handler = on_test_signal;
    sigemptyset(&action.sa_mask);
    struct sigaction previous {};
    REQUIRE(::sigaction(SIGUSR1, &action, &previous) == 0);
    reactor->set_wake_callback([&] {
        if (g_signal_seen) scheduler.stop();
    });
    scheduler.spawn("parked for ever", [&] { scheduler.park(kNever); });
    std::thread sender([] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ::kill(::getpid(), SIGUSR1);  // process-directed: any thread may run the handler
    });
    Scheduler::RunEnd end = scheduler.run();
    sender.join();
    ::sigaction(SIGUSR1, &previous, nullptr);
    g_signal_reactor = nullptr;
    REQUIRE(end == Scheduler::RunEnd::stopped);
    REQUIRE(g_signal_seen == 1);
}

TEST_CASE("system clock: sleep parks the fiber until the deadline") {
    auto reactor = make_reactor();
    Scheduler scheduler(*reactor);
    SystemClock clock(scheduler);
    testing::FiberRunner runner(scheduler);
    int other_turns = 0;
    bool sleeping = true;
    runner.spawn("sleeper", [&] {
        Instant before = clock.now();
        clock.sleep_for(milliseconds(5));
        REQUIRE(clock.now() - before >= milliseconds(5));
        clock.sleep_until(before);  // a past deadline returns at once
        sleeping = false;
    });
    runner.spawn("other", [&] {
        while (sleeping) {
            ++other_turns;
            scheduler.park(scheduler.now() + milliseconds(1));
        }
    });
    runner.run();
    REQUIRE(other_turns >= 2);
    int64_t wall_seconds = wall_ms(clock.wall_now()) / 1000;
    REQUIRE(std::abs(wall_seconds - int64_t(::time(nullptr))) <= 1);
}

}  // namespace brook
