// The network contract (core/io/network.h), one suite for every Network backend, so that
// EpollNetwork and the simulator's SimNetwork cannot drift apart. A backend's test file provides
// a fixture and instantiates every check as its own test case:
//
//   struct EpollNetworkFixture final : contract::NetworkFixture { ... };
//   BROOK_NETWORK_CONTRACT_TESTS("epoll network", EpollNetworkFixture)
//
// which yields test cases named "epoll network: echo round trip" and so on. Each check runs its
// fibers on the fixture's scheduler until they finish; time is the scheduler's (real or
// virtual), so the same timeouts hold in both worlds.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/io/network.h"
#include "core/runtime/scheduler.h"
#include "tests/io/fiber_runner.h"

namespace brook::contract {

class NetworkFixture {
public:
    virtual ~NetworkFixture() = default;
    virtual Scheduler& scheduler() = 0;
    // Listeners are made here and connections start from the client network; the two may be
    // the same object (production) or two nodes of one simulated network.
    virtual Network& server_network() = 0;
    virtual Network& client_network() = 0;
    // An address server_network() can listen on; a port of 0 means "pick a free one".
    virtual Address listen_address() = 0;
};

// More than any backend buffers between a writer and a reader that does not read (Linux: a
// send buffer of at most net.ipv4.tcp_wmem[2] = 4 MiB plus an untouched receive window), so a
// writer of this many bytes must park.
inline constexpr std::size_t kUnbufferedTransferBytes = 16 * 1024 * 1024;

namespace detail {

inline std::unique_ptr<Listener> listen_ok(NetworkFixture& fixture) {
    auto listener = fixture.server_network().listen(fixture.listen_address());
    INFO("listen: " << (listener.ok() ? "ok" : listener.error().describe()));
    REQUIRE(listener.ok());
    REQUIRE((*listener)->local_address().port != 0);
    return std::move(*listener);
}

// Accepted and connecting ends of one stream.
struct Pair {
    std::unique_ptr<Connection> server;
    std::unique_ptr<Connection> client;
};

// Connects and accepts in two fibers: a backend may complete a connect only once the server
// side accepts it.
inline Pair connect_pair(NetworkFixture& fixture, Listener& listener) {
    Pair pair;
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("accept", [&] {
        auto server = listener.accept(fixture.scheduler().now() + seconds(10));
        INFO("accept: " << (server.ok() ? "ok" : server.error().describe()));
        REQUIRE(server.ok());
        pair.server = std::move(*server);
    });
    runner.spawn("connect", [&] {
        auto client = fixture.client_network().connect(listener.local_address(),
                                                       fixture.scheduler().now() + seconds(10));
        INFO("connect: " << (client.ok() ? "ok" : client.error().describe()));
        REQUIRE(client.ok());
        pair.client = std::move(*client);
    });
    runner.run();
    return pair;
}

// Byte i of a pattern that shows misordering, loss and duplication.
inline uint8_t pattern_byte(std::size_t i) { return static_cast<uint8_t>((i * 7 + i / 251) ^ 0x5a); }

inline std::vector<uint8_t> text(std::string_view s) { return {s.begin(), s.end()}; }

// Connects a pair, lets `body` spawn fibers that use it, and runs them to the end. The fibers
// run after `body` returns: they must not refer to its local variables.
inline void with_pair(NetworkFixture& fixture,
                      std::function<void(testing::FiberRunner&, Pair&)> body,
                      Duration limit = seconds(30)) {
    auto listener = listen_ok(fixture);
    Pair pair = connect_pair(fixture, *listener);
    testing::FiberRunner runner(fixture.scheduler());
    body(runner, pair);
    runner.run(limit);
}

}  // namespace detail

inline void network_echo_round_trip(NetworkFixture& fixture) {
    auto listener = detail::listen_ok(fixture);
    Address address = listener->local_address();
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("server", [&] {
        auto connection = listener->accept();
        REQUIRE(connection.ok());
        uint8_t buffer[64];
        auto n = (*connection)->read(buffer);
        REQUIRE(n.ok());
        REQUIRE((*connection)->write(std::span<const uint8_t>(buffer, *n)).ok());
    });
    runner.spawn("client", [&] {
        auto connection = fixture.client_network().connect(address);
        REQUIRE(connection.ok());
        REQUIRE((*connection)->write(detail::text("ping")).ok());
        std::vector<uint8_t> reply(4);
        auto read = (*connection)->read_exact(reply, fixture.scheduler().now() + seconds(10));
        INFO((read.ok() ? "ok" : read.error().describe()));
        REQUIRE(read.ok());
        REQUIRE(reply == detail::text("ping"));
    });
    runner.run();
}

inline void network_small_writes_arrive_in_order(NetworkFixture& fixture) {
    constexpr uint32_t kWrites = 5000;
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("writer", [&] {
            for (uint32_t i = 0; i < kWrites; ++i) {
                uint8_t bytes[4] = {uint8_t(i >> 24), uint8_t(i >> 16), uint8_t(i >> 8),
                                    uint8_t(i)};
                REQUIRE(pair.client->write(bytes).ok());
            }
        });
        runner.spawn("reader", [&] {
            std::vector<uint8_t> received;
            std::vector<uint8_t> buffer(1000);
            std::size_t reads = 0;
            while (received.size() < kWrites * 4) {
                // Odd sizes, so that reads cut across writes.
                std::size_t size = 1 + (reads++ * 37) % buffer.size();
                auto n = pair.server->read(std::span(buffer).first(size));
                REQUIRE(n.ok());
                REQUIRE(*n >= 1);
                REQUIRE(*n <= size);
                received.insert(received.end(), buffer.begin(), buffer.begin() + *n);
            }
            REQUIRE(received.size() == kWrites * 4);
            for (uint32_t i = 0; i < kWrites; ++i) {
                uint32_t value = uint32_t(received[4 * i]) << 24 |
                                 uint32_t(received[4 * i + 1]) << 16 |
                                 uint32_t(received[4 * i + 2]) << 8 | received[4 * i + 3];
                if (value != i) FAIL("write " << i << " arrived as " << value);
            }
        });
    });
}

inline void network_large_transfer_with_back_pressure(NetworkFixture& fixture) {
    Scheduler& scheduler = fixture.scheduler();
    std::vector<uint8_t> sent(kUnbufferedTransferBytes);
    for (std::size_t i = 0; i < sent.size(); ++i) sent[i] = detail::pattern_byte(i);
    bool written = false;
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("writer", [&] {
            REQUIRE(pair.client->write(sent).ok());  // one call: it must park and resume
            written = true;
        });
        runner.spawn("reader", [&] {
            // Nobody reads yet: the writer must be held back, not buffered without limit.
            testing::sleep_for(scheduler, milliseconds(50));
            REQUIRE_FALSE(written);
            std::vector<uint8_t> buffer(100'000);
            std::size_t received = 0;
            while (received < kUnbufferedTransferBytes) {
                auto n = pair.server->read(buffer, scheduler.now() + seconds(10));
                INFO("after " << received << " bytes: "
                              << (n.ok() ? "ok" : n.error().describe()));
                REQUIRE(n.ok());
                for (std::size_t i = 0; i < *n; ++i) {
                    if (buffer[i] != detail::pattern_byte(received + i)) {
                        FAIL("byte " << received + i << " differs");
                    }
                }
                received += *n;
            }
            REQUIRE(received == kUnbufferedTransferBytes);
        });
    });
}

inline void network_graceful_close_delivers_data_then_disconnected(NetworkFixture& fixture) {
    constexpr std::size_t kBytes = 100'000;
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("writer", [&] {
            std::vector<uint8_t> bytes(kBytes);
            for (std::size_t i = 0; i < kBytes; ++i) bytes[i] = detail::pattern_byte(i);
            REQUIRE(pair.client->write(bytes).ok());
            pair.client->close();
        });
        runner.spawn("reader", [&] {
            std::vector<uint8_t> buffer(kBytes);
            REQUIRE(pair.server->read_exact(buffer, fixture.scheduler().now() + seconds(10)).ok());
            for (std::size_t i = 0; i < kBytes; ++i) {
                if (buffer[i] != detail::pattern_byte(i)) FAIL("byte " << i << " differs");
            }
            auto end = pair.server->read(buffer, fixture.scheduler().now() + seconds(10));
            REQUIRE_FALSE(end.ok());
            REQUIRE(end.error().code() == ErrorCode::disconnected);
        });
    });
}

inline void network_read_times_out_at_deadline(NetworkFixture& fixture) {
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("reader", [&] {
            Scheduler& scheduler = fixture.scheduler();
            Instant deadline = scheduler.now() + milliseconds(30);
            uint8_t buffer[16];
            auto n = pair.server->read(buffer, deadline);
            REQUIRE_FALSE(n.ok());
            REQUIRE(n.error().code() == ErrorCode::timeout);
            REQUIRE(scheduler.now() >= deadline);
            // The connection still works after a timeout.
            REQUIRE(pair.client->write(detail::text("late")).ok());
            std::vector<uint8_t> late(4);
            REQUIRE(pair.server->read_exact(late, scheduler.now() + seconds(10)).ok());
            REQUIRE(late == detail::text("late"));
        });
    });
}

inline void network_write_times_out_without_reader(NetworkFixture& fixture) {
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("writer", [&] {
            std::vector<uint8_t> bytes(kUnbufferedTransferBytes, 1);
            Instant deadline = fixture.scheduler().now() + milliseconds(30);
            auto written = pair.client->write(bytes, deadline);
            REQUIRE_FALSE(written.ok());
            REQUIRE(written.error().code() == ErrorCode::timeout);
            REQUIRE(fixture.scheduler().now() >= deadline);
        });
    });
}

inline void network_close_wakes_parked_reader_and_writer(NetworkFixture& fixture) {
    Scheduler& scheduler = fixture.scheduler();
    // Both fibers park on the client end: nothing arrives to read (the server writes nothing)
    // and the writer outruns the buffers (the server reads nothing).
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("reader", [&] {
            uint8_t buffer[16];
            auto n = pair.client->read(buffer);  // no deadline: only close() can end it
            REQUIRE_FALSE(n.ok());
            REQUIRE(n.error().code() == ErrorCode::disconnected);
        });
        runner.spawn("writer", [&] {
            std::vector<uint8_t> bytes(kUnbufferedTransferBytes, 1);
            auto written = pair.client->write(bytes);
            REQUIRE_FALSE(written.ok());
            REQUIRE(written.error().code() == ErrorCode::disconnected);
        });
        runner.spawn("closer", [&] {
            testing::sleep_for(scheduler, milliseconds(20));
            pair.client->close();
            pair.client->close();  // idempotent
            uint8_t buffer[1];
            REQUIRE(pair.client->read(buffer).error().code() == ErrorCode::disconnected);
            REQUIRE(pair.client->write(detail::text("x")).error().code() ==
                    ErrorCode::disconnected);
        });
    });
}

inline void network_peer_close_fails_writes(NetworkFixture& fixture) {
    detail::with_pair(fixture, [&](testing::FiberRunner& runner, detail::Pair& pair) {
        runner.spawn("writer", [&] {
            Scheduler& scheduler = fixture.scheduler();
            pair.server->close();
            // The first writes may still be queued before the peer's close is known here.
            Instant give_up = scheduler.now() + seconds(5);
            while (true) {
                auto written = pair.client->write(detail::text("are you there?"), give_up);
                if (!written.ok()) {
                    REQUIRE(written.error().code() == ErrorCode::disconnected);
                    break;
                }
                REQUIRE(scheduler.now() < give_up);
                testing::sleep_for(scheduler, milliseconds(1));
            }
        });
    });
}

inline void network_connect_refused_is_disconnected(NetworkFixture& fixture) {
    auto listener = detail::listen_ok(fixture);
    Address address = listener->local_address();
    listener->close();  // nothing listens there any more
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("client", [&] {
        auto connection = fixture.client_network().connect(
            address, fixture.scheduler().now() + seconds(10));
        REQUIRE_FALSE(connection.ok());
        INFO(connection.error().describe());
        REQUIRE(connection.error().code() == ErrorCode::disconnected);
    });
    runner.run();
}

inline void network_listener_close_wakes_accept(NetworkFixture& fixture) {
    auto listener = detail::listen_ok(fixture);
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("acceptor", [&] {
        auto connection = listener->accept();
        REQUIRE_FALSE(connection.ok());
        REQUIRE(connection.error().code() == ErrorCode::shutting_down);
        REQUIRE(listener->accept().error().code() == ErrorCode::shutting_down);
    });
    runner.spawn("closer", [&] {
        testing::sleep_for(fixture.scheduler(), milliseconds(10));
        listener->close();
        listener->close();  // idempotent
    });
    runner.run();
}

inline void network_accept_times_out_at_deadline(NetworkFixture& fixture) {
    auto listener = detail::listen_ok(fixture);
    testing::FiberRunner runner(fixture.scheduler());
    runner.spawn("acceptor", [&] {
        Instant deadline = fixture.scheduler().now() + milliseconds(20);
        auto connection = listener->accept(deadline);
        REQUIRE_FALSE(connection.ok());
        REQUIRE(connection.error().code() == ErrorCode::timeout);
        REQUIRE(fixture.scheduler().now() >= deadline);
    });
    runner.run();
}

}  // namespace brook::contract

#define BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, check, description) \
    TEST_CASE(backend ": " description, "[contract][network]") {            \
        Fixture fixture;                                                    \
        ::brook::contract::check(fixture);                                  \
    }

// One test case per check of the network contract, for the backend `Fixture` provides.
#define BROOK_NETWORK_CONTRACT_TESTS(backend, Fixture)                                          \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_echo_round_trip, "echo round trip")  \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_small_writes_arrive_in_order,        \
                                 "small writes arrive in order")                                \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_large_transfer_with_back_pressure,   \
                                 "a large transfer arrives intact under back pressure")         \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture,                                              \
                                 network_graceful_close_delivers_data_then_disconnected,        \
                                 "a graceful close delivers the data before disconnected")       \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_read_times_out_at_deadline,          \
                                 "a read times out at its deadline")                            \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_write_times_out_without_reader,      \
                                 "a write times out when the peer does not read")               \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_close_wakes_parked_reader_and_writer, \
                                 "close wakes a parked reader and writer")                      \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_peer_close_fails_writes,             \
                                 "writes to a closed peer fail with disconnected")              \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_connect_refused_is_disconnected,     \
                                 "a refused connect is disconnected")                           \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_listener_close_wakes_accept,         \
                                 "closing a listener wakes accept")                             \
    BROOK_NETWORK_CONTRACT_TEST_(backend, Fixture, network_accept_times_out_at_deadline,        \
                                 "accept times out at its deadline")
