#include "sim/sim_network.h"

#include <rapidcheck/catch.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/sim_reactor.h"

// Fibers only record what they saw; the assertions run after the scheduler returns, because an
// exception thrown inside a fiber aborts the process.
namespace brook::sim {
namespace {

struct World {
    explicit World(uint64_t seed = 1, SimNetworkOptions options = {})
        : network(scheduler, Random(seed), trace, options) {}

    SimReactor reactor;
    Scheduler scheduler{reactor};
    Trace trace;
    SimNetwork network;  // destroyed first: handles still held by parked fibers are detached
};

SimNetworkOptions fixed_latency(Duration latency) {
    SimNetworkOptions options;
    options.link.latency_min = latency;
    options.link.latency_max = latency;
    options.link.bandwidth_bytes_per_second = 0;
    return options;
}

std::span<const uint8_t> bytes_of(const std::string& text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::vector<uint8_t> random_bytes(std::size_t size, uint64_t seed) {
    Random random(seed);
    std::vector<uint8_t> bytes(size);
    for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random.next());
    return bytes;
}

std::optional<ErrorCode> error_of(const Result<void>& result) {
    if (result) return std::nullopt;
    return result.error().code();
}

// Accepts one connection on n1:9092 and reads until the stream ends.
struct Sink {
    std::vector<uint8_t> received;
    std::vector<std::size_t> read_sizes;
    std::optional<ErrorCode> end;
};

void spawn_sink(World& world, Sink& sink, std::size_t buffer_bytes = 128 * 1024) {
    world.scheduler.spawn("sink", [&world, &sink, buffer_bytes] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        if (!listener) return;
        auto connection = (*listener)->accept();
        if (!connection) return;
        std::vector<uint8_t> buffer(buffer_bytes);
        while (true) {
            Result<std::size_t> n = (*connection)->read(buffer);
            if (!n) {
                sink.end = n.error().code();
                return;
            }
            sink.read_sizes.push_back(*n);
            sink.received.insert(sink.received.end(), buffer.begin(), buffer.begin() + *n);
        }
    });
}

TEST_CASE("sim network: echo round trip between two hosts") {
    World world;
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        uint8_t buffer[64];
        while (auto n = (*connection)->read(buffer)) {
            if (!(*connection)->write(std::span<const uint8_t>(buffer, *n))) return;
        }
    });
    std::string reply;
    Address peer;
    Instant start = world.scheduler.now();
    Instant replied;
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        peer = (*connection)->peer();
        std::string message = "hello brook";
        if (!(*connection)->write(bytes_of(message))) return;
        std::string buffer(message.size(), '\0');
        auto span = std::span<uint8_t>(reinterpret_cast<uint8_t*>(buffer.data()), buffer.size());
        if ((*connection)->read_exact(span)) reply = buffer;
        replied = world.scheduler.now();
    });
    REQUIRE(world.scheduler.run() == Scheduler::RunEnd::idle);
    REQUIRE(reply == "hello brook");
    REQUIRE(peer == Address{"n1", 9092});
    REQUIRE(replied > start);
    REQUIRE(world.network.connection_count() == 0);  // both sides closed
}

TEST_CASE("sim network: 1 MB of random writes arrives intact, in order, in many read sizes") {
    World world(7);
    const std::vector<uint8_t> sent = random_bytes(1 << 20, 99);
    Sink sink;
    spawn_sink(world, sink);
    std::vector<std::size_t> write_sizes;
    world.scheduler.spawn("writer", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        Random sizes(5);
        std::size_t offset = 0;
        while (offset < sent.size()) {
            std::size_t size =
                std::min<std::size_t>(sent.size() - offset, sizes.between(1, 64 * 1024));
            if (!(*connection)->write(std::span(sent).subspan(offset, size))) return;
            write_sizes.push_back(size);
            offset += size;
        }
    });
    world.scheduler.run();
    REQUIRE(sink.received == sent);
    REQUIRE(sink.end == ErrorCode::disconnected);
    std::set<std::size_t> distinct(sink.read_sizes.begin(), sink.read_sizes.end());
    REQUIRE(distinct.size() > 1);
    // Some read started inside a write and returned less than that write: a split was seen.
    std::vector<std::size_t> write_starts;
    std::size_t offset = 0;
    for (std::size_t size : write_sizes) {
        write_starts.push_back(offset);
        offset += size;
    }
    bool split_seen = false;
    offset = 0;
    for (std::size_t n : sink.read_sizes) {
        auto it = std::upper_bound(write_starts.begin(), write_starts.end(), offset);
        std::size_t index = static_cast<std::size_t>(it - write_starts.begin()) - 1;
        if (n < write_sizes[index]) split_seen = true;
        offset += n;
    }
    REQUIRE(split_seen);
}

TEST_CASE("sim network: graceful close delivers the remaining bytes, then disconnected") {
    World world(3);
    const std::vector<uint8_t> sent = random_bytes(10'000, 1);
    Sink sink;
    world.scheduler.spawn("late-reader", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        world.scheduler.park(world.scheduler.now() + seconds(1));  // the close happens meanwhile
        uint8_t buffer[777];
        while (true) {
            auto n = (*connection)->read(buffer);
            if (!n) {
                sink.end = n.error().code();
                return;
            }
            sink.received.insert(sink.received.end(), buffer, buffer + *n);
        }
    });
    std::unique_ptr<Connection> client;
    std::optional<ErrorCode> own_read_end;
    std::optional<ErrorCode> write_after_close;
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        client = std::move(*connection);
        world.scheduler.spawn("own-reader", [&] {
            uint8_t buffer[16];
            auto n = client->read(buffer);  // parks: the server never writes
            if (!n) own_read_end = n.error().code();
        });
        if (!client->write(sent)) return;
        world.scheduler.yield();  // let own-reader park
        client->close();
        client->close();  // idempotent
        write_after_close = error_of(client->write(sent));
    });
    world.scheduler.run();
    REQUIRE(sink.received == sent);
    REQUIRE(sink.end == ErrorCode::disconnected);
    REQUIRE(own_read_end == ErrorCode::disconnected);
    REQUIRE(write_after_close == ErrorCode::disconnected);
}

TEST_CASE("sim network: reset loses undelivered bytes and wakes both sides") {
    World world(1, fixed_latency(milliseconds(10)));
    std::size_t server_bytes = 0;
    std::optional<ErrorCode> server_end;
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        uint8_t buffer[4096];
        while (true) {
            auto n = (*connection)->read(buffer);
            if (!n) {
                server_end = n.error().code();
                return;
            }
            server_bytes += *n;
        }
    });
    std::unique_ptr<Connection> client;
    std::optional<ErrorCode> client_read_end;
    std::optional<ErrorCode> write_before;
    std::optional<ErrorCode> write_after;
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        client = std::move(*connection);
        world.scheduler.spawn("client-reader", [&] {
            uint8_t buffer[16];
            auto n = client->read(buffer);
            if (!n) client_read_end = n.error().code();
        });
        world.scheduler.yield();
        write_before = error_of(client->write(random_bytes(1000, 2)));
        world.network.reset("n1", "c1");  // the bytes are 10 ms from arriving
        write_after = error_of(client->write(random_bytes(10, 3)));
    });
    world.scheduler.run();
    REQUIRE_FALSE(write_before.has_value());
    REQUIRE(write_after == ErrorCode::disconnected);
    REQUIRE(server_bytes == 0);
    REQUIRE(server_end == ErrorCode::disconnected);
    REQUIRE(client_read_end == ErrorCode::disconnected);
    REQUIRE(world.network.connection_count() == 0);
}

TEST_CASE("sim network: a partition holds bytes and the heal delivers them in order") {
    World world(11);
    const std::vector<uint8_t> sent = random_bytes(100'000, 4);
    std::optional<ErrorCode> read_during_partition;
    std::vector<uint8_t> received(sent.size());
    bool all_received = false;
    Instant healed_at;
    Instant received_at;
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        uint8_t buffer[16];
        auto n = (*connection)->read(buffer, world.scheduler.now() + seconds(5));
        if (!n) read_during_partition = n.error().code();
        all_received = (*connection)->read_exact(received).ok();
        received_at = world.scheduler.now();
    });
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        world.network.partition_both("c1", "n1");
        for (std::size_t offset = 0; offset < sent.size(); offset += 10'000) {
            if (!(*connection)->write(std::span(sent).subspan(offset, 10'000))) return;
        }
        world.scheduler.park(world.scheduler.now() + seconds(6));
        healed_at = world.scheduler.now();
        world.network.heal("n1", "c1");
        world.scheduler.park(world.scheduler.now() + seconds(1));  // keep the connection open
    });
    world.scheduler.run();
    REQUIRE(read_during_partition == ErrorCode::timeout);
    REQUIRE(all_received);
    REQUIRE(received == sent);
    REQUIRE(received_at > healed_at);
}

TEST_CASE("sim network: bytes held longer than the blocked timeout reset the connection") {
    SimNetworkOptions options = fixed_latency(milliseconds(5));
    options.blocked_timeout = seconds(10);
    World world(8, options);
    std::optional<ErrorCode> server_end;
    Instant server_end_at;
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        uint8_t buffer[16];
        auto n = (*connection)->read(buffer);
        if (!n) server_end = n.error().code();
        server_end_at = world.scheduler.now();
    });
    Instant written_at;
    std::optional<ErrorCode> client_end;
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        world.network.isolate("n1");
        written_at = world.scheduler.now();
        if (!(*connection)->write(bytes_of("lost"))) return;
        uint8_t buffer[16];
        auto n = (*connection)->read(buffer);
        if (!n) client_end = n.error().code();
    });
    world.scheduler.run();
    REQUIRE(server_end == ErrorCode::disconnected);
    REQUIRE(client_end == ErrorCode::disconnected);
    // Held from the moment the first chunk was due, reset blocked_timeout later.
    REQUIRE(server_end_at == written_at + milliseconds(5) + seconds(10));
    REQUIRE(world.network.connection_count() == 0);
}

TEST_CASE("sim network: set_link slows one path and leaves the others alone") {
    World world(6, fixed_latency(milliseconds(1)));
    world.network.set_link("slow", "n1", LinkProfile{milliseconds(100), milliseconds(100), 0});
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        while (auto accepted = (*listener)->accept()) {
            std::shared_ptr<Connection> connection = std::move(*accepted);
            world.scheduler.spawn("echo", [connection] {
                uint8_t buffer[64];
                while (auto n = connection->read(buffer)) {
                    if (!connection->write(std::span<const uint8_t>(buffer, *n))) return;
                }
            });
        }
    });
    std::map<std::string, Duration> round_trips;
    for (std::string client : {"slow", "fast"}) {
        world.scheduler.spawn(client, [&, client] {
            auto connection = world.network.host(client).connect(Address{"n1", 9092});
            if (!connection) return;
            Instant start = world.scheduler.now();
            uint8_t buffer[1] = {42};
            if (!(*connection)->write(buffer) || !(*connection)->read_exact(buffer)) return;
            round_trips[client] = world.scheduler.now() - start;
        });
    }
    world.scheduler.run_until(world.scheduler.now() + seconds(10));
    REQUIRE(round_trips["slow"] == milliseconds(200));
    REQUIRE(round_trips["fast"] == milliseconds(2));
}

TEST_CASE("sim network: a one-way partition blocks only one direction") {
    World world(5);
    std::string client_got;
    std::optional<ErrorCode> server_read_blocked;
    std::string server_got;
    bool one_way = false;
    world.scheduler.spawn("server", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        world.scheduler.park(world.scheduler.now() + milliseconds(100));  // after the partition
        if (!(*connection)->write(bytes_of("pong"))) return;
        uint8_t buffer[4];
        auto n = (*connection)->read(buffer, world.scheduler.now() + seconds(2));
        if (!n) server_read_blocked = n.error().code();
        if ((*connection)->read_exact(buffer)) server_got.assign(buffer, buffer + 4);
    });
    world.scheduler.spawn("client", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        world.network.partition("c1", "n1");
        one_way = world.network.blocked("c1", "n1") && !world.network.blocked("n1", "c1");
        if (!(*connection)->write(bytes_of("ping"))) return;
        uint8_t buffer[4];
        if ((*connection)->read_exact(buffer)) client_got.assign(buffer, buffer + 4);
        world.scheduler.park(world.scheduler.now() + seconds(3));
        world.network.heal_all();
        world.scheduler.park(world.scheduler.now() + seconds(1));
    });
    world.scheduler.run();
    REQUIRE(one_way);
    REQUIRE(client_got == "pong");
    REQUIRE(server_read_blocked == ErrorCode::timeout);
    REQUIRE(server_got == "ping");
}

TEST_CASE("sim network: connect to an address without a listener is refused after a round trip") {
    World world(1, fixed_latency(milliseconds(5)));
    std::optional<ErrorCode> code;
    Duration elapsed{};
    world.scheduler.spawn("client", [&] {
        Instant start = world.scheduler.now();
        auto connection = world.network.host("c1").connect(Address{"n1", 9999});
        elapsed = world.scheduler.now() - start;
        if (!connection) code = connection.error().code();
    });
    world.scheduler.run();
    REQUIRE(code == ErrorCode::disconnected);
    REQUIRE(elapsed == milliseconds(10));
}

TEST_CASE("sim network: listen rules: own host only, no duplicates, port 0 picks a free port") {
    World world;
    Network& n1 = world.network.host("n1");
    REQUIRE(n1.listen(Address{"n2", 1}).error().code() == ErrorCode::invalid_argument);
    auto first = n1.listen(Address{"n1", 9092});
    REQUIRE(first);
    REQUIRE(n1.listen(Address{"n1", 9092}).error().code() == ErrorCode::already_exists);
    auto any_a = n1.listen(Address{"n1", 0});
    auto any_b = n1.listen(Address{"n1", 0});
    REQUIRE((*any_a)->local_address() == Address{"n1", 10000});
    REQUIRE((*any_b)->local_address() == Address{"n1", 10001});
    std::optional<ErrorCode> accept_end;
    world.scheduler.spawn("acceptor", [&] {
        auto connection = (*first)->accept();
        if (!connection) accept_end = connection.error().code();
    });
    world.scheduler.spawn("closer", [&] { (*first)->close(); });
    world.scheduler.run();
    REQUIRE(accept_end == ErrorCode::shutting_down);
    REQUIRE(n1.listen(Address{"n1", 9092}));  // free again after close
}

TEST_CASE("sim network: connect across a partition times out at its deadline in virtual time") {
    World world(2);
    auto listener = world.network.host("n1").listen(Address{"n1", 9092});
    world.network.partition_both("c1", "n1");
    std::optional<ErrorCode> code;
    Duration elapsed{};
    bool connected_after_heal = false;
    world.scheduler.spawn("client", [&] {
        Instant start = world.scheduler.now();
        auto connection = world.network.host("c1").connect(Address{"n1", 9092}, start + seconds(2));
        elapsed = world.scheduler.now() - start;
        if (!connection) code = connection.error().code();
        world.network.heal_all();
        connected_after_heal = world.network.host("c1").connect(Address{"n1", 9092}).ok();
    });
    world.scheduler.run();
    REQUIRE(code == ErrorCode::timeout);
    REQUIRE(elapsed == seconds(2));
    REQUIRE(connected_after_heal);
}

TEST_CASE("sim network: back pressure parks a writer until the reader reads") {
    SimNetworkOptions options;
    options.send_window_bytes = 4096;
    World world(9, options);
    const std::vector<uint8_t> sent = random_bytes(16 * 1024, 6);
    Instant connected_at;
    Instant write_done;
    Instant read_started;
    std::vector<uint8_t> received(sent.size());
    bool read_ok = false;
    world.scheduler.spawn("slow-reader", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto connection = (*listener)->accept();
        world.scheduler.park(world.scheduler.now() + seconds(1));
        read_started = world.scheduler.now();
        read_ok = (*connection)->read_exact(received).ok();
    });
    std::optional<ErrorCode> write_error;
    world.scheduler.spawn("writer", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        connected_at = world.scheduler.now();
        write_error = error_of((*connection)->write(sent));
        write_done = world.scheduler.now();
    });
    world.scheduler.run();
    REQUIRE_FALSE(write_error.has_value());
    REQUIRE(read_ok);
    REQUIRE(received == sent);
    REQUIRE(write_done >= read_started);
    REQUIRE(write_done - connected_at >= milliseconds(900));
}

TEST_CASE("sim network: a write past its deadline with a full window times out") {
    SimNetworkOptions options;
    options.send_window_bytes = 1024;
    World world(9, options);
    auto listener = world.network.host("n1").listen(Address{"n1", 9092});
    std::optional<ErrorCode> code;
    world.scheduler.spawn("writer", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) return;
        code = error_of(
            (*connection)->write(random_bytes(4096, 1), world.scheduler.now() + seconds(1)));
    });
    world.scheduler.run();
    REQUIRE(code == ErrorCode::timeout);
}

TEST_CASE("sim network: crash_host closes its listeners and resets its peers after latency") {
    World world(4, fixed_latency(milliseconds(5)));
    constexpr FiberGroup kNodeGroup = 7;
    std::unique_ptr<Connection> held_outside;  // n1's handle that outlives crash_host
    world.scheduler.spawn_in_group(kNodeGroup, "n1", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        auto inside = (*listener)->accept();  // destroyed when the fiber is killed
        auto outside = (*listener)->accept();
        if (outside) held_outside = std::move(*outside);
        world.scheduler.park(kNever);
    });
    std::vector<std::optional<ErrorCode>> ends(2);
    std::vector<Instant> end_times(2);
    for (int i = 0; i < 2; ++i) {
        world.scheduler.spawn("client", [&, i] {
            world.scheduler.park(world.scheduler.now() + milliseconds(i));  // accept order
            auto connection = world.network.host("c1").connect(Address{"n1", 9092});
            if (!connection) return;
            uint8_t buffer[16];
            auto n = (*connection)->read(buffer);
            if (!n) ends[i] = n.error().code();
            end_times[i] = world.scheduler.now();
        });
    }
    world.scheduler.run_until(world.scheduler.now() + seconds(1));
    REQUIRE(world.network.connection_count() == 2);
    world.scheduler.kill_group(kNodeGroup);
    Instant crashed_at = world.scheduler.now();
    world.network.crash_host("n1");
    world.scheduler.run_until(world.scheduler.now() + seconds(1));
    for (int i = 0; i < 2; ++i) {
        REQUIRE(ends[i] == ErrorCode::disconnected);
        REQUIRE(end_times[i] == crashed_at + milliseconds(5));
    }
    REQUIRE(world.network.connection_count() == 0);
    uint8_t buffer[4];
    REQUIRE_FALSE(held_outside->read(buffer).ok());
    held_outside.reset();  // destroyed after crash_host: must be harmless
    std::optional<ErrorCode> reconnect;
    world.scheduler.spawn("reconnect", [&] {
        auto connection = world.network.host("c1").connect(Address{"n1", 9092});
        if (!connection) reconnect = connection.error().code();
    });
    world.scheduler.run();
    REQUIRE(reconnect == ErrorCode::disconnected);
}

// A small workload with faults: echo traffic from three clients, random resets, a partition.
struct WorkloadRun {
    uint64_t hash;
    std::string lines;
};

WorkloadRun run_workload(uint64_t seed) {
    SimNetworkOptions options;
    options.reset_per_million_chunks = 5'000;
    World world(seed, options);
    world.trace.keep_lines(true);
    world.scheduler.spawn("n1", [&] {
        auto listener = world.network.host("n1").listen(Address{"n1", 9092});
        while (auto accepted = (*listener)->accept()) {
            std::shared_ptr<Connection> connection = std::move(*accepted);
            world.scheduler.spawn("echo", [connection] {
                uint8_t buffer[1024];
                while (auto n = connection->read(buffer)) {
                    if (!connection->write(std::span<const uint8_t>(buffer, *n))) return;
                }
            });
        }
    });
    for (int index = 1; index <= 3; ++index) {
        std::string client = "c" + std::to_string(index);
        world.scheduler.spawn(client, [&, client, index] {
            Random sizes(mix_seed(seed + index));
            for (int attempt = 0; attempt < 5; ++attempt) {
                auto connection = world.network.host(client).connect(
                    Address{"n1", 9092}, world.scheduler.now() + seconds(5));
                if (!connection) continue;
                for (int message = 0; message < 20; ++message) {
                    auto bytes = random_bytes(sizes.between(1, 5000), sizes.next());
                    if (!(*connection)->write(bytes)) break;
                    std::vector<uint8_t> echo(bytes.size());
                    if (!(*connection)->read_exact(echo, world.scheduler.now() + seconds(5))) break;
                }
            }
        });
    }
    world.scheduler.spawn("nemesis", [&] {
        world.scheduler.park(world.scheduler.now() + milliseconds(20));
        world.network.partition_both("c1", "n1");
        world.network.partition("n1", "c2");
        world.scheduler.park(world.scheduler.now() + seconds(1));
        world.network.heal_all();
    });
    world.scheduler.run_until(world.scheduler.now() + seconds(120));
    return {world.trace.hash(), world.trace.lines()};
}

TEST_CASE("sim network: the same seed gives the same trace, another seed another") {
    WorkloadRun first = run_workload(42);
    for (std::string kind : {"net.connect", "net.accept", "net.send", "net.deliver", "net.close",
                             "net.partition", "net.heal", "reason=random"}) {
        INFO(kind);
        REQUIRE(first.lines.find(kind) != std::string::npos);
    }
    WorkloadRun again = run_workload(42);
    REQUIRE(again.hash == first.hash);
    REQUIRE(again.lines == first.lines);
    REQUIRE(run_workload(43).hash != first.hash);
}

// Echo traffic under every fault at once, crashes and restarts of the server included. Any
// connection may die, but an echo that completes must be exact, and nothing may assert.
struct ChaosRun {
    int echoes = 0;
    int mismatches = 0;
    int crashes = 0;
};

ChaosRun run_chaos(uint64_t seed) {
    SimNetworkOptions options;
    options.reset_per_million_chunks = 2'000;
    options.blocked_timeout = seconds(3);
    options.send_window_bytes = 8 * 1024;
    World world(seed, options);
    ChaosRun run;
    FiberGroup server_group = 100;
    auto start_server = [&world](FiberGroup group) {
        world.scheduler.spawn_in_group(group, "n1", [&world] {
            auto listener = world.network.host("n1").listen(Address{"n1", 9092});
            if (!listener) return;
            while (auto accepted = (*listener)->accept()) {
                std::shared_ptr<Connection> connection = std::move(*accepted);
                world.scheduler.spawn("echo", [connection] {
                    uint8_t buffer[1500];
                    while (auto n = connection->read(buffer)) {
                        if (!connection->write(std::span<const uint8_t>(buffer, *n))) return;
                    }
                });
            }
        });
    };
    start_server(server_group);
    for (int index = 1; index <= 3; ++index) {
        std::string client = "c" + std::to_string(index);
        world.scheduler.spawn(client, [&, client, index] {
            Random sizes(mix_seed(seed * 10 + index));
            while (true) {
                auto connection = world.network.host(client).connect(
                    Address{"n1", 9092}, world.scheduler.now() + seconds(2));
                if (!connection) {
                    world.scheduler.park(world.scheduler.now() + milliseconds(100));
                    continue;
                }
                while (true) {
                    auto bytes = random_bytes(sizes.between(1, 20'000), sizes.next());
                    if (!(*connection)->write(bytes, world.scheduler.now() + seconds(5))) break;
                    std::vector<uint8_t> echo(bytes.size());
                    if (!(*connection)->read_exact(echo, world.scheduler.now() + seconds(5))) break;
                    ++run.echoes;
                    if (echo != bytes) ++run.mismatches;
                }
            }
        });
    }
    world.scheduler.spawn("nemesis", [&] {
        Random nemesis(mix_seed(seed));
        const std::vector<std::string> hosts = {"n1", "c1", "c2", "c3"};
        while (true) {
            world.scheduler.park(world.scheduler.now() + milliseconds(nemesis.between(10, 1000)));
            const std::string& a = hosts[nemesis.uniform(hosts.size())];
            const std::string& b = hosts[nemesis.uniform(hosts.size())];
            switch (nemesis.uniform(6)) {
                case 0:
                    world.network.partition(a, b);
                    break;
                case 1:
                    world.network.partition_both(a, b);
                    break;
                case 2:
                    world.network.heal_all();
                    break;
                case 3:
                    world.network.reset(a, b);
                    break;
                case 4:
                    world.network.set_link(
                        a, b, LinkProfile{milliseconds(50), milliseconds(300), 100'000});
                    break;
                case 5:
                    world.scheduler.kill_group(server_group);
                    world.network.crash_host("n1");
                    ++run.crashes;
                    world.scheduler.park(world.scheduler.now() + milliseconds(500));
                    start_server(++server_group);
                    break;
            }
        }
    });
    world.scheduler.run_until(world.scheduler.now() + seconds(60));
    return run;
}

TEST_CASE("sim network: echoes stay exact under partitions, resets, slow links and crashes") {
    int echoes = 0;
    int crashes = 0;
    for (uint64_t seed = 1; seed <= 10; ++seed) {
        ChaosRun run = run_chaos(seed);
        INFO("seed " << seed);
        REQUIRE(run.mismatches == 0);
        echoes += run.echoes;
        crashes += run.crashes;
    }
    REQUIRE(echoes > 100);
    REQUIRE(crashes > 5);
}

TEST_CASE("sim network: bytes read equal bytes written on any fault-free link") {
    rc::prop("the stream is exact", [] {
        const auto seed = *rc::gen::arbitrary<uint64_t>();
        const auto write_sizes =
            *rc::gen::container<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(1, 20'000));
        SimNetworkOptions options;
        options.link.latency_min = microseconds(*rc::gen::inRange<int64_t>(0, 5'000));
        options.link.latency_max =
            options.link.latency_min + microseconds(*rc::gen::inRange<int64_t>(0, 5'000));
        options.link.bandwidth_bytes_per_second =
            *rc::gen::element<uint64_t>(0, 100'000, 10'000'000, 1'000'000'000);
        options.send_window_bytes = *rc::gen::inRange<std::size_t>(512, 300'000);
        World world(seed, options);
        std::size_t total = 0;
        for (uint32_t size : write_sizes) total += size;
        const std::vector<uint8_t> sent = random_bytes(total, seed);
        Sink sink;
        spawn_sink(world, sink, 1 + seed % 70'000);
        bool all_written = false;
        world.scheduler.spawn("writer", [&] {
            auto connection = world.network.host("c1").connect(Address{"n1", 9092});
            if (!connection) return;
            std::size_t offset = 0;
            for (uint32_t size : write_sizes) {
                if (!(*connection)->write(std::span(sent).subspan(offset, size))) return;
                offset += size;
            }
            all_written = true;
        });
        world.scheduler.run();
        RC_ASSERT(all_written);
        RC_ASSERT(sink.received == sent);
        RC_ASSERT(sink.end == std::optional<ErrorCode>(ErrorCode::disconnected));
    });
}

}  // namespace
}  // namespace brook::sim
