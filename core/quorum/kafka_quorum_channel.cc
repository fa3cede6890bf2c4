#include "core/quorum/kafka_quorum_channel.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <vector>

#include "core/base/check.h"
#include "core/base/logger.h"
#include "core/protocol/api_schema.h"
#include "core/protocol/byte_reader.h"
#include "core/protocol/frame_assembler.h"
#include "core/quorum/quorum_codec.h"
#include "core/quorum/quorum_limits.h"
#include "core/runtime/wait_queue.h"

namespace brook::quorum {

using protocol::ApiKey;
using raft::NodeId;

namespace {

// A request written to a peer, waiting for its answer.
struct PendingRequest {
    uint64_t raft_correlation_id;
    ApiKey api_key;
    int16_t version;
};

// This node's connection to one peer, and the requests for it.
struct Outgoing {
    Outgoing(Scheduler& scheduler, NodeId peer, Address address)
        : peer(peer), address(std::move(address)), changed(scheduler) {}

    NodeId peer;
    Address address;
    std::deque<raft::Message> queue;            // not yet written
    std::map<int32_t, PendingRequest> pending;  // written on `connection`, unanswered
    std::shared_ptr<Connection> connection;     // null while down
    uint64_t generation = 0;                    // which connection `pending` belongs to
    int32_t next_wire_id = 0;
    bool started = false;
    bool unreachable_logged = false;
    WaitQueue changed;  // a request was queued, or the channel closed
};

// A connection a peer opened to this node.
struct Incoming {
    Incoming(Scheduler& scheduler, std::unique_ptr<Connection> socket)
        : peer(socket->peer()), connection(std::move(socket)), changed(scheduler) {}

    Address peer;
    std::string peer_name;  // "node 2 (host:port)" once a request named it
    std::shared_ptr<Connection> connection;
    std::deque<std::vector<uint8_t>> responses;  // frames for the writer
    std::deque<uint64_t> unanswered;             // channel correlation ids, oldest first
    bool closed = false;
    WaitQueue changed;  // a response was queued, or the connection closed
};

// Where the driver's response to an incoming request goes.
struct InboundRoute {
    std::weak_ptr<Incoming> incoming;
    int32_t wire_correlation_id;
    ApiKey api_key;
    int16_t version;
};

}  // namespace

struct KafkaQuorumChannel::State : std::enable_shared_from_this<State> {
    State(Environment& env, QuorumChannelConfig config)
        : env(env),
          config(std::move(config)),
          client_id(fmt::format("raft-{}", this->config.self)),
          log(env.log_sink, "quorum"),
          inbox_changed(env.scheduler) {}

    Environment& env;
    QuorumChannelConfig config;
    std::string client_id;
    Logger log;
    std::unique_ptr<Listener> listener;
    std::function<QuorumStatus()> status_source;
    KafkaQuorumChannel::RequestHandler request_handler;
    std::map<NodeId, std::shared_ptr<Outgoing>> outgoing;
    std::vector<std::weak_ptr<Incoming>> incoming;
    std::map<uint64_t, InboundRoute> routes;
    uint64_t next_inbound_id = 1;
    std::deque<raft::Message> inbox;
    WaitQueue inbox_changed;
    bool closed = false;

    void deliver(raft::Message message) {
        inbox.push_back(std::move(message));
        if (inbox.size() > kInboxMax) inbox.pop_front();
        inbox_changed.notify_one();
    }

    Instant after_ms(int64_t ms) const { return env.clock.now() + milliseconds(ms); }

    // ---- outgoing ----

    void queue_request(raft::Message message) {
        auto found = outgoing.find(message.to);
        if (found == outgoing.end()) {
            log.warn("dropping {} for node {}: not a voter with a controller address",
                     raft::describe(message), message.to);
            return;
        }
        std::shared_ptr<Outgoing> peer = found->second;
        peer->queue.push_back(std::move(message));
        if (peer->queue.size() > kPeerQueueMax) peer->queue.pop_front();
        peer->changed.notify_all();
        if (!peer->started) {
            peer->started = true;
            env.scheduler.spawn(fmt::format("quorum/to-{}", peer->peer),
                                [self = shared_from_this(), peer] { self->run_peer(*peer); });
        }
    }

    void drop_connection(Outgoing& peer) {
        if (!peer.connection) return;
        peer.connection->close();  // wakes its response reader
        peer.connection.reset();
        peer.pending.clear();
    }

    // The peer's writer: connects when there is something to send, writes requests in order.
    void run_peer(Outgoing& peer) {
        std::shared_ptr<State> keep = shared_from_this();
        int64_t backoff_ms = kReconnectBackoffMs;
        Instant next_attempt = env.clock.now();
        while (!closed) {
            if (peer.queue.empty()) {
                peer.changed.wait();  // May suspend.
                continue;
            }
            if (!peer.connection) {
                if (env.clock.now() < next_attempt) {
                    peer.changed.wait(next_attempt);  // May suspend.
                    continue;
                }
                Result<std::unique_ptr<Connection>> connected =
                    env.network.connect(peer.address, after_ms(kConnectTimeoutMs));  // May suspend.
                if (closed) break;
                if (!connected) {
                    if (!peer.unreachable_logged) {
                        log.warn("cannot reach node {} at {}: {}; retrying", peer.peer,
                                 peer.address.to_string(), connected.error().describe());
                        peer.unreachable_logged = true;
                    }
                    next_attempt = after_ms(backoff_ms);
                    backoff_ms = std::min(backoff_ms * 2, kReconnectBackoffMaxMs);
                    continue;
                }
                log.info("connected to node {} at {}", peer.peer, peer.address.to_string());
                peer.unreachable_logged = false;
                backoff_ms = kReconnectBackoffMs;
                peer.connection = std::move(*connected);
                ++peer.generation;
                env.scheduler.spawn(fmt::format("quorum/from-{}", peer.peer),
                                    [self = shared_from_this(), peer = peer_of(peer.peer),
                                     connection = peer.connection, generation = peer.generation] {
                                        self->read_responses(*peer, connection, generation);
                                    });
            }
            raft::Message message = std::move(peer.queue.front());
            peer.queue.pop_front();
            int32_t wire_id = peer.next_wire_id;
            peer.next_wire_id = wire_id == INT32_MAX ? 0 : wire_id + 1;
            ApiKey api_key = api_key_of(message.body);
            // Recorded before the write: the answer may arrive while the write still parks.
            peer.pending[wire_id] = {message.correlation_id, api_key, wire_version(api_key)};
            if (peer.pending.size() > kPendingPerPeerMax) peer.pending.erase(peer.pending.begin());
            std::vector<uint8_t> frame = encode_request_frame(message, wire_id, client_id);
            std::shared_ptr<Connection> connection = peer.connection;
            Result<void> written = connection->write(frame, after_ms(kWriteTimeoutMs));  // May suspend.
            if (!written && peer.connection == connection) {
                log.warn("lost the connection to node {}: {}", peer.peer,
                         written.error().describe());
                drop_connection(peer);
            }
        }
        drop_connection(peer);
    }

    std::shared_ptr<Outgoing> peer_of(NodeId id) { return outgoing.at(id); }

    // Answers on one outgoing connection, matched to their requests by wire correlation id.
    void read_responses(Outgoing& peer, std::shared_ptr<Connection> connection,
                        uint64_t generation) {
        std::shared_ptr<State> keep = shared_from_this();
        protocol::FrameAssembler frames(kQuorumFrameBytesMax, kQuorumFrameBytesMin);
        std::string problem;
        while (!closed && peer.generation == generation && problem.empty()) {
            Result<std::size_t> read = connection->read(frames.space());  // May suspend.
            if (!read) break;
            if (Result<void> committed = frames.commit(*read); !committed) {
                problem = committed.error().describe();
                break;
            }
            if (!frames.complete() || peer.generation != generation) continue;
            std::vector<uint8_t> frame = frames.take();
            Result<int32_t> wire_id = peek_response_correlation_id(frame);
            if (!wire_id) {
                problem = wire_id.error().describe();
                break;
            }
            auto found = peer.pending.find(*wire_id);
            if (found == peer.pending.end()) continue;  // forgotten (kPendingPerPeerMax): late
            PendingRequest request = found->second;
            peer.pending.erase(found);
            Result<raft::Message> message = decode_response_frame(
                frame, request.api_key, request.version, peer.peer, config.self);
            if (!message) {
                problem = message.error().describe();
                break;
            }
            message->correlation_id = request.raft_correlation_id;
            deliver(std::move(*message));
        }
        if (!problem.empty()) {
            log.warn("closing the connection to node {} at {}: {}", peer.peer,
                     peer.address.to_string(), problem);
        }
        if (peer.generation == generation && peer.connection == connection) {
            drop_connection(peer);
        } else {
            connection->close();
        }
    }

    // ---- incoming ----

    void accept_loop() {
        std::shared_ptr<State> keep = shared_from_this();
        while (!closed) {
            Result<std::unique_ptr<Connection>> accepted = listener->accept();  // May suspend.
            if (!accepted) break;
            if (closed) break;
            auto in = std::make_shared<Incoming>(env.scheduler, std::move(*accepted));
            incoming.erase(std::remove_if(incoming.begin(), incoming.end(),
                                          [](const auto& weak) { return weak.expired(); }),
                           incoming.end());
            incoming.push_back(in);
            env.scheduler.spawn("quorum/peer-reader",
                                [self = shared_from_this(), in] { self->read_requests(in); });
            env.scheduler.spawn("quorum/peer-writer",
                                [self = shared_from_this(), in] { self->write_responses(in); });
        }
    }

    void refuse(Incoming& in, std::string_view what, std::string_view reason) {
        log.warn("closing quorum connection from {}: {}: {}",
                 in.peer_name.empty() ? in.peer.to_string() : in.peer_name, what, reason);
        close_incoming(in);
    }

    void close_incoming(Incoming& in) {
        if (in.closed) return;
        in.closed = true;
        in.connection->close();
        for (uint64_t id : in.unanswered) routes.erase(id);
        in.unanswered.clear();
        in.changed.notify_all();
    }

    void read_requests(const std::shared_ptr<Incoming>& in) {
        std::shared_ptr<State> keep = shared_from_this();
        std::shared_ptr<Connection> connection = in->connection;
        protocol::FrameAssembler frames(kQuorumFrameBytesMax, kQuorumFrameBytesMin);
        while (!closed && !in->closed) {
            Result<std::size_t> read = connection->read(frames.space());  // May suspend.
            if (!read || in->closed) break;
            if (Result<void> committed = frames.commit(*read); !committed) {
                refuse(*in, "a frame", committed.error().describe());
                break;
            }
            if (frames.complete() && !accept_request(in, frames.take())) break;
        }
        close_incoming(*in);
    }

    // Decodes one request and delivers it (or answers DescribeQuorum, or has the request
    // handler answer it); false when the connection was refused. May suspend (the handler).
    bool accept_request(const std::shared_ptr<Incoming>& in, std::vector<uint8_t> frame) {
        protocol::ByteReader reader(frame);
        Result<protocol::RequestHeader> header = protocol::decode_request_header(reader);
        if (!header) {
            refuse(*in, "a request header", header.error().describe());
            return false;
        }
        std::string what =
            fmt::format("{} v{}", protocol::api_key_name(header->api_key), header->api_version);
        if (request_handler && !is_quorum_api(header->api_key)) {
            return serve_other(in, *header,
                               std::span<const uint8_t>(frame).subspan(reader.position()), what);
        }
        if (header->api_key == ApiKey::describe_quorum) {
            return answer_describe(*in, *header,
                                   std::span<const uint8_t>(frame).subspan(reader.position()),
                                   what);
        }
        Result<InboundRequest> request = decode_request_frame(frame, config.self);
        if (!request) {
            refuse(*in, what, request.error().describe());
            return false;
        }
        raft::Message& message = request->message;
        if (in->peer_name.empty()) {
            in->peer_name = fmt::format("node {} ({})", message.from, in->peer.to_string());
        }
        if (!message.cluster_id.empty() && message.cluster_id != config.cluster_id) {
            refuse(*in, what,
                   fmt::format("cluster id {} is not {}", message.cluster_id, config.cluster_id));
            return false;
        }
        uint64_t id = next_inbound_id++;
        routes[id] = {in, request->header.correlation_id, request->header.api_key,
                      request->header.api_version};
        in->unanswered.push_back(id);
        if (in->unanswered.size() > kUnansweredPerConnectionMax) {
            routes.erase(in->unanswered.front());
            in->unanswered.pop_front();
        }
        message.correlation_id = id;
        deliver(std::move(message));
        return true;
    }

    // A request for the handler, answered before the connection's next request is read.
    // May suspend.
    bool serve_other(const std::shared_ptr<Incoming>& in, const protocol::RequestHeader& header,
                     std::span<const uint8_t> body, std::string_view what) {
        if (in->peer_name.empty()) {
            in->peer_name = fmt::format("client {} ({})", header.client_id.value_or("-"),
                                        in->peer.to_string());
        }
        bool supported = protocol::is_supported_version(header.api_key, header.api_version);
        std::optional<protocol::AnyRequest> request;
        if (supported) {
            Result<protocol::AnyRequest> decoded =
                protocol::decode_request(header.api_key, header.api_version, body);
            if (!decoded) {
                refuse(*in, what, decoded.error().describe());
                return false;
            }
            request = std::move(*decoded);
        } else if (header.api_key == ApiKey::api_versions) {
            request = protocol::ApiVersionsRequest{};
        } else {
            refuse(*in, what, "version not supported");
            return false;
        }
        // A copy: the handler suspends, and the channel's may be replaced meanwhile.
        KafkaQuorumChannel::RequestHandler handler = request_handler;
        std::optional<protocol::AnyResponse> response =
            handler(header, std::move(*request));  // May suspend.
        if (closed || in->closed) return false;
        if (!response) {
            refuse(*in, what, "not served on the controller listener");
            return false;
        }
        ASSERT(protocol::api_key_of(*response) == header.api_key, "{} answered with {}", what,
               protocol::api_key_name(protocol::api_key_of(*response)));
        queue_response(*in, encode_other_response_frame(*response, header.correlation_id,
                                                        supported ? header.api_version : 0));
        return true;
    }

    bool answer_describe(Incoming& in, const protocol::RequestHeader& header,
                         std::span<const uint8_t> body, std::string_view what) {
        if (!accepts_version(ApiKey::describe_quorum, header.api_version)) {
            refuse(in, what, "version not supported");
            return false;
        }
        if (Result<void> checked = check_describe_quorum_request(body, header.api_version);
            !checked) {
            refuse(in, what, checked.error().describe());
            return false;
        }
        if (!status_source) {
            refuse(in, what, "the quorum has no status yet");
            return false;
        }
        queue_response(in, encode_describe_quorum_response_frame(
                               status_source(), header.correlation_id, header.api_version));
        return true;
    }

    void queue_response(Incoming& in, std::vector<uint8_t> frame) {
        if (in.closed) return;
        // A peer that does not read its answers loses the newest; Raft resends.
        if (in.responses.size() >= kResponseQueueMax) return;
        in.responses.push_back(std::move(frame));
        in.changed.notify_all();
    }

    void write_responses(const std::shared_ptr<Incoming>& in) {
        std::shared_ptr<State> keep = shared_from_this();
        std::shared_ptr<Connection> connection = in->connection;
        while (!closed && !in->closed) {
            if (in->responses.empty()) {
                in->changed.wait();  // May suspend.
                continue;
            }
            std::vector<uint8_t> frame = std::move(in->responses.front());
            in->responses.pop_front();
            if (!connection->write(frame, after_ms(kWriteTimeoutMs))) break;  // May suspend.
        }
        close_incoming(*in);
    }

    // A response of the driver, back on the connection its request came in on.
    void route_response(const raft::Message& message) {
        auto found = routes.find(message.correlation_id);
        if (found == routes.end()) return;  // its connection closed, or it was forgotten
        InboundRoute route = found->second;
        routes.erase(found);
        std::shared_ptr<Incoming> in = route.incoming.lock();
        if (!in || in->closed) return;
        auto unanswered =
            std::find(in->unanswered.begin(), in->unanswered.end(), message.correlation_id);
        ASSERT(unanswered != in->unanswered.end(), "routes and unanswered agree");
        in->unanswered.erase(unanswered);
        if (api_key_of(message.body) != route.api_key) {
            log.warn("dropping {}: it answers a {} request", raft::describe(message),
                     protocol::api_key_name(route.api_key));
            return;
        }
        queue_response(*in, encode_response_frame(message, route.wire_correlation_id,
                                                   route.version));
    }

    void close_all() {
        if (closed) return;
        closed = true;
        if (listener) listener->close();
        for (auto& [id, peer] : outgoing) {
            if (peer->connection) peer->connection->close();
            peer->changed.notify_all();
        }
        for (const std::weak_ptr<Incoming>& weak : incoming) {
            if (std::shared_ptr<Incoming> in = weak.lock()) close_incoming(*in);
        }
        inbox.clear();
        inbox_changed.notify_all();
    }
};

KafkaQuorumChannel::KafkaQuorumChannel(Environment& env, QuorumChannelConfig config)
    : state_(std::make_shared<State>(env, std::move(config))) {
    for (const auto& [id, address] : state_->config.voters) {
        if (id == state_->config.self) continue;
        state_->outgoing.emplace(id, std::make_shared<Outgoing>(env.scheduler, id, address));
    }
}

KafkaQuorumChannel::~KafkaQuorumChannel() { close(); }

Result<void> KafkaQuorumChannel::start() {
    ASSERT(!state_->listener, "start() twice");
    TRY_ASSIGN(state_->listener, state_->env.network.listen(state_->config.listen));
    state_->env.scheduler.spawn("quorum/accept", [state = state_] { state->accept_loop(); });
    return {};
}

void KafkaQuorumChannel::set_status_source(std::function<QuorumStatus()> source) {
    state_->status_source = std::move(source);
}

void KafkaQuorumChannel::set_request_handler(RequestHandler handler) {
    state_->request_handler = std::move(handler);
}

Address KafkaQuorumChannel::local_address() const {
    ASSERT(state_->listener, "local_address() before start()");
    return state_->listener->local_address();
}

void KafkaQuorumChannel::send(raft::Message message) {
    if (state_->closed) return;
    if (raft::is_request(message.body)) {
        state_->queue_request(std::move(message));
    } else {
        state_->route_response(message);
    }
}

std::optional<raft::Message> KafkaQuorumChannel::receive() {
    std::shared_ptr<State> state = state_;
    while (state->inbox.empty() && !state->closed) state->inbox_changed.wait();  // May suspend.
    if (state->closed) return std::nullopt;
    raft::Message message = std::move(state->inbox.front());
    state->inbox.pop_front();
    return message;
}

void KafkaQuorumChannel::close() { state_->close_all(); }

}  // namespace brook::quorum
