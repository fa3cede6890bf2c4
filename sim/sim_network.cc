#include "sim/sim_network.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "core/base/check.h"
#include "core/runtime/wait_queue.h"

namespace brook::sim {
namespace {

// Listening on port 0 takes the lowest free port from here; clients get ephemeral ports from the
// range Linux uses, per host, in order.
constexpr uint16_t kFirstListenPort = 10000;
constexpr uint16_t kLastListenPort = 32767;
constexpr uint16_t kFirstEphemeralPort = 32768;
constexpr uint16_t kLastEphemeralPort = 60999;

// Sides of a connection: the connecting client and the accepting server.
constexpr int kClientSide = 0;
constexpr int kServerSide = 1;

// One direction of a connection (its id and the sending side) in one word: a timer's lambda that
// captures it and the network fits std::function's inline storage, so a delivery timer allocates
// nothing.
constexpr uint64_t direction_key(uint64_t connection_id, int from_side) {
    return connection_id << 1 | static_cast<uint64_t>(from_side);
}
constexpr uint64_t key_connection(uint64_t key) { return key >> 1; }
constexpr int key_side(uint64_t key) { return static_cast<int>(key & 1); }

}  // namespace

// Bytes of one write: the write is copied once, and its chunks share the copy.
struct SimNetwork::Piece {
    std::shared_ptr<const uint8_t[]> write;
    std::size_t offset = 0;
    std::size_t length = 0;

    const uint8_t* data() const { return write.get() + offset; }
    std::size_t size() const { return length; }
};

// A piece of one write (or the FIN behind the last one) on its way to the peer.
struct SimNetwork::Chunk {
    Piece bytes;
    Instant arrival;
    bool fin = false;
};

// The bytes flowing from one side of a connection to the other.
struct SimNetwork::Direction {
    explicit Direction(Scheduler& scheduler) : readers(scheduler), writers(scheduler) {}

    std::deque<Chunk> in_flight;                // arrival times never decrease
    std::deque<Piece> readable;                 // arrived, not yet read
    std::size_t readable_offset = 0;            // bytes of readable.front() already read
    std::size_t unread_bytes = 0;               // in flight + readable: the send window in use
    Instant wire_free_at;                       // the sender serialises earlier chunks until then
    Instant last_arrival;                       // a later chunk never arrives before this
    TimerId delivery_timer = 0;                 // due at in_flight.front().arrival
    TimerId stall_timer = 0;                    // resets the connection if held too long
    bool held = false;                          // the path was blocked when a chunk was due
    bool fin_delivered = false;                 // the receiver has seen the sender's close
    WaitQueue readers;                          // the receiving side, waiting for bytes
    WaitQueue writers;                          // the sending side, waiting for window
};

struct SimNetwork::ConnectionState {
    ConnectionState(Scheduler& scheduler, uint64_t id, SimNetwork* network)
        : id(id), network(network), forward(scheduler), backward(scheduler) {}

    // The bytes sent by `side`.
    Direction& from(int side) { return side == kClientSide ? forward : backward; }

    uint64_t id;
    SimNetwork* network;  // null once finished or after the network is destroyed
    Address addresses[2];
    bool closed[2] = {false, false};  // by close(), by destruction, or by a crash of that side
    bool reset = false;
    Direction forward;   // client to server
    Direction backward;  // server to client
};

struct SimNetwork::ListenerState {
    explicit ListenerState(Scheduler& scheduler) : acceptors(scheduler) {}

    Address address;
    SimNetwork* network = nullptr;
    bool closed = false;
    std::deque<ConnectionPointer> backlog;  // established, waiting for accept()
    WaitQueue acceptors;
};

struct SimNetwork::PendingConnect {
    explicit PendingConnect(Scheduler& scheduler) : waiters(scheduler) {}

    uint64_t id = 0;
    SimNetwork* network = nullptr;
    Address source;
    bool done = false;       // the answer (SYN-ACK or refusal) arrived
    bool abandoned = false;  // the caller gave up, was killed, or its host crashed
    bool taken = false;      // the caller holds the connection
    std::optional<Error> error;
    ConnectionPointer connection;
    WaitQueue waiters;
};

// ---- Handles ---------------------------------------------------------------------------------

class SimConnection final : public Connection {
public:
    SimConnection(SimNetwork::ConnectionPointer state, int side)
        : state_(std::move(state)), side_(side) {}
    ~SimConnection() override { close(); }

    Result<std::size_t> read(std::span<uint8_t> buffer, Instant deadline) override {
        if (buffer.empty()) return Error(ErrorCode::invalid_argument, "read into no buffer");
        SimNetwork::ConnectionState& connection = *state_;
        SimNetwork::Direction& incoming = connection.from(1 - side_);
        bool expired = false;
        while (true) {
            TRY(usable());
            if (!incoming.readable.empty()) return take(incoming, buffer);
            if (incoming.fin_delivered) return Error(ErrorCode::disconnected, "closed by peer");
            if (expired) return Error(ErrorCode::timeout, "read");
            expired = !incoming.readers.wait(deadline);
        }
    }

    Result<void> write(std::span<const uint8_t> bytes, Instant deadline) override {
        SimNetwork::ConnectionState& connection = *state_;
        SimNetwork::Direction& outgoing = connection.from(side_);
        std::size_t written = 0;
        bool expired = false;
        while (true) {
            TRY(usable());
            if (connection.from(1 - side_).fin_delivered) {
                return Error(ErrorCode::disconnected, "closed by peer");
            }
            if (written == bytes.size()) return ok();
            std::size_t window = connection.network->options_.send_window_bytes;
            if (outgoing.unread_bytes < window) {
                std::size_t take = std::min(window - outgoing.unread_bytes, bytes.size() - written);
                connection.network->enqueue(connection, side_, bytes.subspan(written, take));
                written += take;
                continue;
            }
            if (expired) return Error(ErrorCode::timeout, "write: send window full");
            expired = !outgoing.writers.wait(deadline);
        }
    }

    void close() override {
        SimNetwork::ConnectionState& connection = *state_;
        if (connection.network == nullptr) {
            connection.closed[side_] = true;
            return;
        }
        connection.network->close_side(connection, side_);
    }

    const Address& peer() const override { return state_->addresses[1 - side_]; }
    Address local_address() const override { return state_->addresses[side_]; }

private:
    Result<void> usable() const {
        if (state_->reset) return Error(ErrorCode::disconnected, "connection reset");
        if (state_->closed[side_] || state_->network == nullptr) {
            return Error(ErrorCode::disconnected, "connection closed");
        }
        return ok();
    }

    // Copies what has arrived, across chunk boundaries, and gives the sender its window back.
    std::size_t take(SimNetwork::Direction& incoming, std::span<uint8_t> buffer) {
        std::size_t copied = 0;
        while (copied < buffer.size() && !incoming.readable.empty()) {
            const SimNetwork::Piece& front = incoming.readable.front();
            std::size_t n =
                std::min(buffer.size() - copied, front.size() - incoming.readable_offset);
            std::memcpy(buffer.data() + copied, front.data() + incoming.readable_offset, n);
            copied += n;
            incoming.readable_offset += n;
            if (incoming.readable_offset == front.size()) {
                incoming.readable.pop_front();
                incoming.readable_offset = 0;
            }
        }
        ASSERT(copied > 0 && copied <= incoming.unread_bytes);
        incoming.unread_bytes -= copied;
        incoming.writers.notify_all();
        return copied;
    }

    SimNetwork::ConnectionPointer state_;
    int side_;
};

class SimListener final : public Listener {
public:
    explicit SimListener(std::shared_ptr<SimNetwork::ListenerState> state)
        : state_(std::move(state)) {}
    ~SimListener() override { close(); }

    Result<std::unique_ptr<Connection>> accept(Instant deadline) override {
        SimNetwork::ListenerState& listener = *state_;
        bool expired = false;
        while (true) {
            if (listener.closed) return Error(ErrorCode::shutting_down, "listener closed");
            if (!listener.backlog.empty()) {
                SimNetwork::ConnectionPointer connection = std::move(listener.backlog.front());
                listener.backlog.pop_front();
                listener.network->trace(listener.address.host, "net.accept", "conn={} from={}",
                                        connection->id,
                                        connection->addresses[kClientSide].to_string());
                return std::unique_ptr<Connection>(
                    std::make_unique<SimConnection>(std::move(connection), kServerSide));
            }
            if (expired) return Error(ErrorCode::timeout, "accept");
            expired = !listener.acceptors.wait(deadline);
        }
    }

    Address local_address() const override { return state_->address; }

    void close() override {
        if (state_->closed) return;
        if (state_->network == nullptr) {
            state_->closed = true;
            return;
        }
        state_->network->close_listener(*state_);
    }

private:
    std::shared_ptr<SimNetwork::ListenerState> state_;
};

class SimHost final : public Network {
public:
    SimHost(SimNetwork& network, std::string name) : network_(network), name_(std::move(name)) {}

    Result<std::unique_ptr<Listener>> listen(const Address& address) override {
        return network_.listen(name_, address);
    }
    Result<std::unique_ptr<Connection>> connect(const Address& address, Instant deadline) override {
        return network_.connect(name_, address, deadline);
    }

private:
    SimNetwork& network_;
    std::string name_;
};

// ---- The network -----------------------------------------------------------------------------

SimNetwork::SimNetwork(Scheduler& scheduler, Random random, Trace& trace, SimNetworkOptions options)
    : scheduler_(scheduler),
      random_(random),
      trace_(trace),
      options_(options),
      timer_group_(scheduler.new_group()) {}

SimNetwork::~SimNetwork() {
    scheduler_.kill_group(timer_group_);  // only timers: the network has no fibers
    for (auto& [id, connection] : connections_) connection->network = nullptr;
    for (auto& [address, listener] : listeners_) {
        listener->closed = true;
        listener->network = nullptr;
    }
    for (auto& [id, pending] : pending_connects_) pending->network = nullptr;
}

Network& SimNetwork::host(const std::string& name) {
    auto it = hosts_.find(name);
    if (it == hosts_.end()) {
        it = hosts_.emplace(name, std::make_unique<SimHost>(*this, name)).first;
    }
    return *it->second;
}

Result<std::unique_ptr<Listener>> SimNetwork::listen(const std::string& host,
                                                     const Address& address) {
    if (address.host != host) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("host {} cannot listen on {}", host, address.to_string()));
    }
    Address bound = address;
    if (bound.port == 0) {
        for (uint32_t port = kFirstListenPort; port <= kLastListenPort; ++port) {
            if (!listeners_.contains(Address{host, static_cast<uint16_t>(port)})) {
                bound.port = static_cast<uint16_t>(port);
                break;
            }
        }
        if (bound.port == 0) return Error(ErrorCode::no_space, "no free port on " + host);
    }
    if (listeners_.contains(bound)) {
        return Error(ErrorCode::already_exists, "already listening on " + bound.to_string());
    }
    auto listener = std::make_shared<ListenerState>(scheduler_);
    listener->address = bound;
    listener->network = this;
    listeners_.emplace(bound, listener);
    trace(host, "net.listen", "{}", bound.to_string());
    return std::unique_ptr<Listener>(std::make_unique<SimListener>(std::move(listener)));
}

void SimNetwork::close_listener(ListenerState& listener) {
    listener.closed = true;
    listener.network = nullptr;
    auto it = listeners_.find(listener.address);
    // A restarted node may listen on the address again: only remove our own entry.
    if (it != listeners_.end() && it->second.get() == &listener) listeners_.erase(it);
    trace(listener.address.host, "net.close", "listener={}", listener.address.to_string());
    // Established but never accepted: the kernel would answer them with RST.
    std::deque<ConnectionPointer> backlog = std::move(listener.backlog);
    listener.backlog.clear();
    for (ConnectionPointer& connection : backlog) reset_connection(*connection, "listener closed");
    listener.acceptors.notify_all();
}

// May suspend.
Result<std::unique_ptr<Connection>> SimNetwork::connect(const std::string& host,
                                                        const Address& address, Instant deadline) {
    auto pending = std::make_shared<PendingConnect>(scheduler_);
    pending->id = next_pending_id_++;
    pending->network = this;
    pending->source = Address{host, allocate_ephemeral_port(host)};
    pending_connects_.emplace(pending->id, pending);
    trace(host, "net.connect", "from={} to={}", pending->source.to_string(), address.to_string());

    // Whatever way this function is left (an answer, the deadline, the fiber being killed), a
    // connection the caller does not take is given up.
    struct AbandonUnlessTaken {
        PendingConnect& pending;
        ~AbandonUnlessTaken() {
            if (!pending.taken && pending.network != nullptr) pending.network->abandon(pending);
        }
    } guard{*pending};

    Instant give_up = deadline;
    if (options_.blocked_timeout > Duration::zero() &&
        scheduler_.now() + options_.blocked_timeout < give_up) {
        give_up = scheduler_.now() + options_.blocked_timeout;  // SYN retries exhausted
    }
    send_control(host, address.host, [this, pending, address] { on_syn(pending, address); });
    while (!pending->done) {
        if (!pending->waiters.wait(give_up) && !pending->done) break;
    }
    if (pending->network == nullptr) return Error(ErrorCode::shutting_down, "network destroyed");
    if (!pending->done) {
        return Error(ErrorCode::timeout, "connect to " + address.to_string());
    }
    if (pending->error) return *pending->error;
    pending->taken = true;
    pending_connects_.erase(pending->id);
    return std::unique_ptr<Connection>(
        std::make_unique<SimConnection>(pending->connection, kClientSide));
}

void SimNetwork::abandon(PendingConnect& pending) {
    pending.abandoned = true;
    pending_connects_.erase(pending.id);
    if (pending.connection != nullptr) {
        ConnectionPointer connection = std::move(pending.connection);
        reset_connection(*connection, "connect abandoned");
    }
}

void SimNetwork::on_syn(const std::shared_ptr<PendingConnect>& pending, const Address& address) {
    if (pending->abandoned) return;  // the client gave up; its SYN dies here
    const std::string& client = pending->source.host;
    auto it = listeners_.find(address);
    if (it == listeners_.end() || it->second->backlog.size() >= options_.accept_backlog_max) {
        trace(address.host, "net.refused", "from={} to={}", pending->source.to_string(),
              address.to_string());
        send_control(address.host, client, [pending, address] {
            if (pending->abandoned) return;
            pending->done = true;
            pending->error =
                Error(ErrorCode::disconnected, "connection refused by " + address.to_string());
            pending->waiters.notify_all();
        });
        return;
    }
    auto connection = std::make_shared<ConnectionState>(scheduler_, next_connection_id_++, this);
    connection->addresses[kClientSide] = pending->source;
    connection->addresses[kServerSide] = address;
    connections_.emplace(connection->id, connection);
    it->second->backlog.push_back(connection);
    it->second->acceptors.notify_all();
    send_control(address.host, client, [this, pending, connection] {
        if (pending->abandoned) {
            reset_connection(*connection, "connect abandoned");
            return;
        }
        pending->done = true;
        pending->connection = connection;
        pending->waiters.notify_all();
    });
}

// ---- Sending and delivering ------------------------------------------------------------------

void SimNetwork::enqueue(ConnectionState& connection, int from_side,
                         std::span<const uint8_t> bytes) {
    const std::string& from = connection.addresses[from_side].host;
    const std::string& to = connection.addresses[1 - from_side].host;
    Direction& direction = connection.from(from_side);
    std::shared_ptr<uint8_t[]> write = std::make_shared_for_overwrite<uint8_t[]>(bytes.size());
    std::memcpy(write.get(), bytes.data(), bytes.size());
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        // Cut so that framing code meets one-byte pieces, whole writes and everything between.
        std::size_t remaining = bytes.size() - offset;
        std::size_t size = 0;
        switch (random_.uniform(8)) {
            case 0:
                size = 1;
                break;
            case 1:
            case 2:
                size = remaining;
                break;
            default:
                size = static_cast<std::size_t>(random_.between(1, remaining));
                break;
        }
        Chunk chunk{Piece{write, offset, size}, arrival_time(from, to, size, direction), false};
        trace(from, "net.send", "conn={} to={} bytes={} arrive={}", connection.id, to, size,
              chunk.arrival);
        push_chunk(connection, from_side, std::move(chunk));
        offset += size;
    }
}

Instant SimNetwork::arrival_time(const std::string& from, const std::string& to, std::size_t bytes,
                                 Direction& direction) {
    const LinkProfile& profile = link(from, to);
    Instant start = std::max(scheduler_.now(), direction.wire_free_at);
    Duration serialisation = Duration::zero();
    if (profile.bandwidth_bytes_per_second > 0) {
        serialisation = nanoseconds(static_cast<int64_t>(bytes * uint64_t{1'000'000'000} /
                                                         profile.bandwidth_bytes_per_second));
    }
    direction.wire_free_at = start + serialisation;
    Instant arrival =
        std::max(direction.wire_free_at + draw_latency(from, to), direction.last_arrival);
    direction.last_arrival = arrival;
    return arrival;
}

void SimNetwork::push_chunk(ConnectionState& connection, int from_side, Chunk chunk) {
    Direction& direction = connection.from(from_side);
    ASSERT(direction.in_flight.empty() || direction.in_flight.back().arrival <= chunk.arrival);
    direction.unread_bytes += chunk.bytes.size();
    direction.in_flight.push_back(std::move(chunk));
    schedule_delivery(connection, from_side);
}

void SimNetwork::schedule_delivery(ConnectionState& connection, int from_side) {
    Direction& direction = connection.from(from_side);
    if (direction.held || direction.delivery_timer != 0 || direction.in_flight.empty()) return;
    direction.delivery_timer =
        schedule(direction.in_flight.front().arrival,
                 [this, key = direction_key(connection.id, from_side)] {
                     deliver_due(key_connection(key), key_side(key));
                 });
}

void SimNetwork::deliver_due(uint64_t connection_id, int from_side) {
    auto it = connections_.find(connection_id);
    if (it == connections_.end()) return;
    ConnectionPointer keep = it->second;
    ConnectionState& connection = *keep;
    Direction& direction = connection.from(from_side);
    direction.delivery_timer = 0;
    int to_side = 1 - from_side;
    const std::string& to = connection.addresses[to_side].host;
    if (blocked(connection.addresses[from_side].host, to)) {
        hold(connection, from_side);
        return;
    }
    while (!direction.in_flight.empty() &&
           direction.in_flight.front().arrival <= scheduler_.now()) {
        if (options_.reset_per_million_chunks > 0 &&
            random_.chance(options_.reset_per_million_chunks, kPartsPerMillion)) {
            reset_connection(connection, "random");
            return;
        }
        Chunk chunk = std::move(direction.in_flight.front());
        direction.in_flight.pop_front();
        if (chunk.fin) {
            direction.fin_delivered = true;
            trace(to, "net.deliver", "conn={} fin", connection.id);
            wake_all(connection);
        } else if (connection.closed[to_side]) {
            // Nobody will read it; the sender gets its window back.
            direction.unread_bytes -= chunk.bytes.size();
            trace(to, "net.deliver", "conn={} bytes={} dropped=closed", connection.id,
                  chunk.bytes.size());
            direction.writers.notify_all();
        } else {
            trace(to, "net.deliver", "conn={} bytes={}", connection.id, chunk.bytes.size());
            direction.readable.push_back(std::move(chunk.bytes));
            direction.readers.notify_all();
        }
    }
    schedule_delivery(connection, from_side);
}

void SimNetwork::hold(ConnectionState& connection, int from_side) {
    Direction& direction = connection.from(from_side);
    direction.held = true;
    if (options_.blocked_timeout > Duration::zero() && direction.stall_timer == 0) {
        direction.stall_timer =
            schedule(scheduler_.now() + options_.blocked_timeout,
                     [this, key = direction_key(connection.id, from_side)] {
                         auto it = connections_.find(key_connection(key));
                         if (it == connections_.end()) return;
                         ConnectionPointer keep = it->second;
                         keep->from(key_side(key)).stall_timer = 0;
                         reset_connection(*keep, "blocked timeout");
                     });
    }
}

// After a heal: chunks held on now open paths leave again, one latency from now, in order.
void SimNetwork::release_held() {
    for (auto& [id, connection] : connections_) {
        for (int side : {kClientSide, kServerSide}) {
            Direction& direction = connection->from(side);
            const std::string& from = connection->addresses[side].host;
            const std::string& to = connection->addresses[1 - side].host;
            if (!direction.held || blocked(from, to)) continue;
            direction.held = false;
            cancel(direction.stall_timer);
            Instant earliest = scheduler_.now() + draw_latency(from, to);
            for (Chunk& chunk : direction.in_flight)
                chunk.arrival = std::max(chunk.arrival, earliest);
            direction.last_arrival = std::max(direction.last_arrival, earliest);
            schedule_delivery(*connection, side);
        }
    }
    for (auto it = held_controls_.begin(); it != held_controls_.end();) {
        if (blocked(it->first.first, it->first.second)) {
            ++it;
            continue;
        }
        Path path = it->first;
        std::deque<std::function<void()>> packets = std::move(it->second);
        it = held_controls_.erase(it);
        for (auto& packet : packets) send_control(path.first, path.second, std::move(packet));
    }
}

void SimNetwork::send_control(const std::string& from, const std::string& to,
                              std::function<void()> on_arrival) {
    schedule(scheduler_.now() + draw_latency(from, to),
             [this, from, to, on_arrival = std::move(on_arrival)] {
                 if (blocked(from, to)) {
                     held_controls_[Path{from, to}].push_back(on_arrival);
                 } else {
                     on_arrival();
                 }
             });
}

// ---- Closing, resets and crashes -------------------------------------------------------------

void SimNetwork::close_side(ConnectionState& connection, int side) {
    if (connection.reset || connection.closed[side]) return;
    connection.closed[side] = true;
    const std::string& from = connection.addresses[side].host;
    const std::string& to = connection.addresses[1 - side].host;
    trace(from, "net.close", "conn={}", connection.id);
    // What this side will never read is dropped; the peer's writers get their window back.
    Direction& incoming = connection.from(1 - side);
    std::size_t dropped = 0;
    for (const Piece& bytes : incoming.readable) dropped += bytes.size();
    dropped -= incoming.readable_offset;
    incoming.readable.clear();
    incoming.readable_offset = 0;
    incoming.unread_bytes -= dropped;
    // The FIN follows the bytes still in flight, so the peer reads them all first.
    Direction& outgoing = connection.from(side);
    push_chunk(connection, side, Chunk{{}, arrival_time(from, to, 0, outgoing), true});
    wake_all(connection);
    finish_if_done(connection);
}

void SimNetwork::reset(const std::string& a, const std::string& b) {
    std::vector<ConnectionPointer> victims;
    for (auto& [id, connection] : connections_) {
        const std::string& client = connection->addresses[kClientSide].host;
        const std::string& server = connection->addresses[kServerSide].host;
        if ((client == a && server == b) || (client == b && server == a)) {
            victims.push_back(connection);
        }
    }
    for (ConnectionPointer& connection : victims) reset_connection(*connection, "injected");
}

void SimNetwork::reset_connection(ConnectionState& connection, std::string_view reason) {
    if (connection.reset || connection.network == nullptr) return;
    connection.reset = true;
    trace(connection.addresses[kClientSide].host, "net.reset", "conn={} peer={} reason={}",
          connection.id, connection.addresses[kServerSide].host, reason);
    for (int side : {kClientSide, kServerSide}) {
        Direction& direction = connection.from(side);
        direction.in_flight.clear();
        direction.readable.clear();
        direction.readable_offset = 0;
        direction.unread_bytes = 0;
        direction.held = false;
    }
    wake_all(connection);
    finish_if_done(connection);
}

void SimNetwork::crash_host(const std::string& name) {
    trace(name, "net.crash", "");
    std::vector<std::shared_ptr<ListenerState>> listeners;
    for (auto& [address, listener] : listeners_) {
        if (address.host == name) listeners.push_back(listener);
    }
    for (auto& listener : listeners) close_listener(*listener);

    std::vector<std::shared_ptr<PendingConnect>> pending_connects;
    for (auto& [id, pending] : pending_connects_) {
        if (pending->source.host == name) pending_connects.push_back(pending);
    }
    for (auto& pending : pending_connects) abandon(*pending);

    std::vector<ConnectionPointer> connections;
    for (auto& [id, connection] : connections_) {
        if (connection->addresses[kClientSide].host == name ||
            connection->addresses[kServerSide].host == name) {
            connections.push_back(connection);
        }
    }
    for (ConnectionPointer& connection : connections) {
        crash_side(*connection,
                   connection->addresses[kClientSide].host == name ? kClientSide : kServerSide);
    }
}

// The crashed side dies now; the peer learns of it when the RST arrives.
void SimNetwork::crash_side(ConnectionState& connection, int side) {
    if (connection.reset || connection.network == nullptr) return;
    const std::string& crashed = connection.addresses[side].host;
    const std::string& peer = connection.addresses[1 - side].host;
    if (crashed == peer) {
        reset_connection(connection, "host crashed");
        return;
    }
    trace(crashed, "net.reset", "conn={} peer={} reason=crash", connection.id, peer);
    connection.closed[side] = true;
    for (int direction_side : {kClientSide, kServerSide}) {
        Direction& direction = connection.from(direction_side);
        direction.in_flight.clear();
        direction.readable.clear();
        direction.readable_offset = 0;
        direction.unread_bytes = 0;
        direction.held = false;
        cancel(direction.delivery_timer);
        cancel(direction.stall_timer);
    }
    wake_all(connection);
    finish_if_done(connection);
    if (connection.network == nullptr) return;  // the peer had closed already
    send_control(crashed, peer, [this, id = connection.id] {
        auto it = connections_.find(id);
        if (it == connections_.end()) return;
        ConnectionPointer keep = it->second;
        reset_connection(*keep, "peer crashed");
    });
}

void SimNetwork::wake_all(ConnectionState& connection) {
    for (Direction* direction : {&connection.forward, &connection.backward}) {
        direction->readers.notify_all();
        direction->writers.notify_all();
    }
}

// A connection that nobody can use any more leaves the network; handles keep its state alive.
void SimNetwork::finish_if_done(ConnectionState& connection) {
    if (!connection.reset && !(connection.closed[kClientSide] && connection.closed[kServerSide])) {
        return;
    }
    for (Direction* direction : {&connection.forward, &connection.backward}) {
        cancel(direction->delivery_timer);
        cancel(direction->stall_timer);
    }
    connection.network = nullptr;
    connections_.erase(connection.id);  // the caller holds a ConnectionPointer
}

// ---- Faults and links ------------------------------------------------------------------------

bool SimNetwork::blocked(const std::string& from, const std::string& to) const {
    if (from == to) return false;
    if (!blocked_paths_.empty() && blocked_paths_.contains(Path{from, to})) return true;
    return isolated_hosts_.contains(from) || isolated_hosts_.contains(to);
}

void SimNetwork::partition(const std::string& from, const std::string& to) {
    blocked_paths_.insert(Path{from, to});
    trace(from, "net.partition", "to={}", to);
}

void SimNetwork::partition_both(const std::string& a, const std::string& b) {
    partition(a, b);
    partition(b, a);
}

void SimNetwork::isolate(const std::string& name) {
    isolated_hosts_.insert(name);
    trace(name, "net.partition", "to=all");
}

void SimNetwork::heal(const std::string& a, const std::string& b) {
    blocked_paths_.erase(Path{a, b});
    blocked_paths_.erase(Path{b, a});
    trace(a, "net.heal", "with={}", b);
    release_held();
}

void SimNetwork::rejoin(const std::string& name) {
    isolated_hosts_.erase(name);
    trace(name, "net.heal", "with=all");
    release_held();
}

void SimNetwork::heal_all() {
    blocked_paths_.clear();
    isolated_hosts_.clear();
    trace("sim", "net.heal", "all");
    release_held();
}

void SimNetwork::set_link_one_way(const std::string& from, const std::string& to,
                                  LinkProfile profile) {
    ASSERT(profile.latency_min <= profile.latency_max);
    links_[Path{from, to}] = profile;
}

void SimNetwork::set_link(const std::string& a, const std::string& b, LinkProfile profile) {
    set_link_one_way(a, b, profile);
    set_link_one_way(b, a, profile);
}

void SimNetwork::clear_link(const std::string& a, const std::string& b) {
    links_.erase(Path{a, b});
    links_.erase(Path{b, a});
}

const LinkProfile& SimNetwork::link(const std::string& from, const std::string& to) const {
    if (links_.empty()) return options_.link;  // spares copying two names per chunk
    auto it = links_.find(Path{from, to});
    return it != links_.end() ? it->second : options_.link;
}

Duration SimNetwork::draw_latency(const std::string& from, const std::string& to) {
    const LinkProfile& profile = link(from, to);
    if (profile.latency_max <= profile.latency_min) return profile.latency_min;
    return nanoseconds(random_.between(profile.latency_min.count(), profile.latency_max.count()));
}

// ---- Plumbing --------------------------------------------------------------------------------

TimerId SimNetwork::schedule(Instant at, std::function<void()> callback) {
    return scheduler_.call_at_in_group(timer_group_, at, std::move(callback));
}

void SimNetwork::cancel(TimerId& timer) {
    if (timer == 0) return;
    scheduler_.cancel(timer);
    timer = 0;
}

uint16_t SimNetwork::allocate_ephemeral_port(const std::string& host) {
    auto [it, inserted] = next_ephemeral_port_.try_emplace(host, kFirstEphemeralPort);
    uint16_t port = it->second;
    it->second = port == kLastEphemeralPort ? kFirstEphemeralPort : port + 1;
    return port;
}

}  // namespace brook::sim
