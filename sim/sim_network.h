// The simulated network: every host's view of TCP-like byte streams, in virtual time, with
// faults (partitions, resets, slow links, crashed hosts) that the simulator injects.
//
//   SimNetwork network(scheduler, Random(seed), trace);
//   Network& n1 = network.host("n1");                   // what node n1 is given as its Network
//   auto listener = n1.listen(Address{"n1", 9092});
//   auto connection = network.host("client").connect(Address{"n1", 9092});   // in a fiber
//   network.partition("n1", "n2");                       // n1's packets to n2 are held
//   network.heal_all();                                  // ...and delivered, in order
//   network.crash_host("n2");                            // after killing n2's fibers
//
// The model (after FoundationDB's Sim2Conn and TigerBeetle's packet simulator):
//   - A connection is two directions. A write is cut into random chunks (one byte, all of it, or
//     anything between), each with its own arrival time: the serialisation delay of the link's
//     bandwidth plus a latency drawn per chunk, never earlier than the chunk before it. So bytes
//     stay ordered and exact, but the reader meets every split. Reads return what has arrived.
//   - Bytes written and not yet read count against the direction's send window; a writer parks
//     while the window is full (back pressure). That bounds the memory of every connection.
//   - A blocked direction (partition) holds its chunks, as TCP would keep retransmitting them,
//     and delivers them in order after the heal. Data held longer than `blocked_timeout` resets
//     the connection (TCP's retransmission timeout). Connection setup (SYN, SYN-ACK, refusal)
//     travels as control packets that a partition holds the same way.
//   - close() sends a FIN behind the data; the peer reads everything, then `disconnected`, and
//     its writes fail once that FIN has arrived (bytes that reach a closed side are dropped).
//     A reset drops every byte not yet read and fails both sides at once. A crashed host's side
//     dies at once; its peers learn of it when the RST arrives one latency later.
//   - Every random decision draws from the one Random given to the constructor, in an order fixed
//     by the scheduler; maps are keyed by ids and names. Trace lines never draw randomness.
//
// Network timers are created in a group of the network's own (Scheduler::new_group), so killing a
// node's fibers never cancels a delivery, and the network's destructor cancels exactly its timers. Connection and listener handles share their state with the network through
// shared_ptr: either may be destroyed first, and handles outlive the SimNetwork safely (they then
// fail with `disconnected` / `shutting_down`).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "core/base/time.h"
#include "core/io/network.h"
#include "core/io/random.h"
#include "core/runtime/scheduler.h"
#include "sim/trace.h"

namespace brook::sim {

// One direction of a path between two hosts.
struct LinkProfile {
    Duration latency_min = microseconds(50);
    Duration latency_max = milliseconds(2);
    // Serialisation rate; 0 means unlimited.
    uint64_t bandwidth_bytes_per_second = 1'000'000'000;
};

struct SimNetworkOptions {
    // The path between any two hosts unless set_link() overrides it.
    LinkProfile link;
    // Bytes written but not yet read, per direction; writers park beyond it.
    std::size_t send_window_bytes = 256 * 1024;
    // Chance that a connection is reset instead of delivering a chunk, in parts per million.
    uint64_t reset_per_million_chunks = 0;
    // A direction that cannot deliver held bytes for this long resets its connection, and a
    // connect() that cannot reach its peer for this long fails with `timeout`. Zero: never.
    Duration blocked_timeout = seconds(30);
    // Connections waiting to be accepted per listener; a SYN beyond it is refused.
    std::size_t accept_backlog_max = 128;
};

class SimNetwork {
public:
    SimNetwork(Scheduler& scheduler, Random random, Trace& trace, SimNetworkOptions options = {});
    // Cancels the network's timers and detaches every handle still alive.
    ~SimNetwork();
    SimNetwork(const SimNetwork&) = delete;
    SimNetwork& operator=(const SimNetwork&) = delete;

    // Settable at any time; changes apply to chunks sent afterwards.
    SimNetworkOptions& options() { return options_; }

    // The Network seen by host `name` (a node or a client), created on first use and owned by
    // the SimNetwork. Its listen() accepts only Address{name, port}.
    Network& host(const std::string& name);

    // Blocks `from`'s packets to `to` (one way). Held bytes flow again after a heal.
    void partition(const std::string& from, const std::string& to);
    // Blocks both directions between `a` and `b`.
    void partition_both(const std::string& a, const std::string& b);
    // Blocks every path into and out of `name`, including to hosts created later.
    void isolate(const std::string& name);
    // Unblocks both directions between `a` and `b` (isolation of either is kept).
    void heal(const std::string& a, const std::string& b);
    // Undoes isolate(name).
    void rejoin(const std::string& name);
    // Unblocks everything.
    void heal_all();
    bool blocked(const std::string& from, const std::string& to) const;

    // Overrides the path from `from` to `to` (one way) or between `a` and `b` (both ways).
    void set_link_one_way(const std::string& from, const std::string& to, LinkProfile profile);
    void set_link(const std::string& a, const std::string& b, LinkProfile profile);
    // Back to options().link for both directions.
    void clear_link(const std::string& a, const std::string& b);

    // Resets every connection between `a` and `b` at once: bytes not yet read are lost and both
    // sides fail with `disconnected` on their next (or current) read or write.
    void reset(const std::string& a, const std::string& b);

    // The host crashed (its fibers were killed): its listeners close, its connections die on its
    // side now and on the peer's side when the RST arrives. Handles of the crashed host may be
    // destroyed before or after this call.
    void crash_host(const std::string& name);

    // Open connections (not yet closed by both sides nor reset), for tests and leak checks.
    std::size_t connection_count() const { return connections_.size(); }

private:
    friend class SimHost;
    friend class SimConnection;
    friend class SimListener;
    struct Piece;
    struct Chunk;
    struct Direction;
    struct ConnectionState;
    struct ListenerState;
    struct PendingConnect;
    using Path = std::pair<std::string, std::string>;
    using ConnectionPointer = std::shared_ptr<ConnectionState>;

    // Called by the host, connection and listener handles.
    Result<std::unique_ptr<Listener>> listen(const std::string& host, const Address& address);
    Result<std::unique_ptr<Connection>> connect(const std::string& host, const Address& address,
                                                Instant deadline);
    void enqueue(ConnectionState& connection, int from_side, std::span<const uint8_t> bytes);
    void close_side(ConnectionState& connection, int side);
    void close_listener(ListenerState& listener);
    void wake_all(ConnectionState& connection);

    // Connection setup.
    void on_syn(const std::shared_ptr<PendingConnect>& pending, const Address& address);
    void abandon(PendingConnect& pending);

    // Delivery.
    Instant arrival_time(const std::string& from, const std::string& to, std::size_t bytes,
                         Direction& direction);
    void push_chunk(ConnectionState& connection, int from_side, Chunk chunk);
    void schedule_delivery(ConnectionState& connection, int from_side);
    void deliver_due(uint64_t connection_id, int from_side);
    void hold(ConnectionState& connection, int from_side);
    void release_held();
    void reset_connection(ConnectionState& connection, std::string_view reason);
    void crash_side(ConnectionState& connection, int side);
    void finish_if_done(ConnectionState& connection);

    // Control packets (SYN, SYN-ACK, refusal, RST): delivered after one latency, or held while
    // the path is blocked.
    void send_control(const std::string& from, const std::string& to,
                      std::function<void()> on_arrival);
    Duration draw_latency(const std::string& from, const std::string& to);
    const LinkProfile& link(const std::string& from, const std::string& to) const;

    // Timers in timer_group_, all cancelled by the destructor.
    TimerId schedule(Instant at, std::function<void()> callback);
    // Cancels `timer` (0: none) and sets it to 0.
    void cancel(TimerId& timer);

    uint16_t allocate_ephemeral_port(const std::string& host);
    template <typename... Args>
    void trace(std::string_view actor, std::string_view kind, fmt::format_string<Args...> format,
               Args&&... args) {
        trace_.recordf(scheduler_.now(), actor, kind, format, std::forward<Args>(args)...);
    }

    Scheduler& scheduler_;
    Random random_;
    Trace& trace_;
    SimNetworkOptions options_;

    std::map<std::string, std::unique_ptr<Network>> hosts_;
    std::map<uint64_t, ConnectionPointer> connections_;  // open connections by id
    std::map<Address, std::shared_ptr<ListenerState>> listeners_;
    std::map<uint64_t, std::shared_ptr<PendingConnect>> pending_connects_;
    std::set<Path> blocked_paths_;
    std::set<std::string> isolated_hosts_;
    std::map<Path, LinkProfile> links_;
    std::map<Path, std::deque<std::function<void()>>> held_controls_;
    std::map<std::string, uint16_t> next_ephemeral_port_;
    FiberGroup timer_group_;
    uint64_t next_connection_id_ = 1;
    uint64_t next_pending_id_ = 1;
};

}  // namespace brook::sim
