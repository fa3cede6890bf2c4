// The network seam: TCP-like byte streams between addresses.
//
//   Result<std::unique_ptr<Listener>> listener = network.listen(Address{"0.0.0.0", 9092});
//   auto connection = (*listener)->accept();              // parks until a peer connects
//   uint8_t buffer[4096];
//   Result<std::size_t> n = (*connection)->read(buffer, clock.now() + seconds(30));
//
// Semantics every backend keeps (tests/io/network_contract.h checks both):
//   - bytes arrive in order, exactly once, but in pieces of any size: one write may be read in
//     many reads and many writes in one read; framing is the reader's job;
//   - a read returns at least one byte, or an error: `disconnected` once the peer has closed or
//     the connection was reset (after all bytes that did arrive were read), `timeout` when the
//     deadline passes first;
//   - a write either queues all bytes or fails with `disconnected`/`timeout`; it parks while the
//     send buffer is full (back pressure);
//   - close() is idempotent and wakes a fiber parked in read or write on the same connection.
// Production: net/epoll_network.h. Simulation: sim/sim_network.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/base/result.h"
#include "core/base/time.h"

namespace brook {

// host:port. In production `host` is an IP address or a name; in simulation it names a node.
struct Address {
    std::string host;
    uint16_t port = 0;

    auto operator<=>(const Address&) const = default;
    std::string to_string() const { return fmt::format("{}:{}", host, port); }
    // Parses "host:port"; the port is required.
    static Result<Address> parse(std::string_view text);
};

class Connection {
public:
    // Closes the connection if still open.
    virtual ~Connection() = default;

    // Reads between 1 and buffer.size() bytes. May suspend.
    virtual Result<std::size_t> read(std::span<uint8_t> buffer, Instant deadline = kNever) = 0;

    // Queues all of `bytes` for sending. May suspend.
    virtual Result<void> write(std::span<const uint8_t> bytes, Instant deadline = kNever) = 0;

    // Closes both directions. Idempotent; never suspends.
    virtual void close() = 0;

    // The remote end, for log lines.
    virtual const Address& peer() const = 0;

    // This end: the address the peer reached (a broker advertises it back to clients that
    // connected through a wildcard listener). Empty host when unknown.
    virtual Address local_address() const = 0;

    // Reads exactly buffer.size() bytes, or fails. May suspend.
    Result<void> read_exact(std::span<uint8_t> buffer, Instant deadline = kNever);
};

class Listener {
public:
    virtual ~Listener() = default;

    // Waits for the next incoming connection. Fails with `shutting_down` after close().
    // May suspend.
    virtual Result<std::unique_ptr<Connection>> accept(Instant deadline = kNever) = 0;

    // The bound address (with the real port when listening on port 0).
    virtual Address local_address() const = 0;

    // Stops accepting; wakes a fiber parked in accept(). Idempotent.
    virtual void close() = 0;
};

class Network {
public:
    virtual ~Network() = default;

    virtual Result<std::unique_ptr<Listener>> listen(const Address& address) = 0;

    // Opens a connection; fails with `disconnected` when refused or unreachable, `timeout` when
    // the deadline passes. May suspend.
    virtual Result<std::unique_ptr<Connection>> connect(const Address& address,
                                                        Instant deadline = kNever) = 0;
};

}  // namespace brook
