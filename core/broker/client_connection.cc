#include "core/broker/client_connection.h"

#include "core/broker/limits.h"
#include "core/protocol/api_schema.h"
#include "core/protocol/frame_assembler.h"
#include "core/protocol/response_header.h"

namespace brook::broker {

using protocol::ApiKey;

// One request's place in the response order.
struct ClientConnection::Slot {
    bool ready = false;
    bool respond = true;
    std::vector<uint8_t> frame;
};

// What the fibers of one connection share. Handler fibers hold it too, so it outlives a
// connection that closed while they were still working.
struct ClientConnection::Shared {
    Shared(Scheduler& scheduler, std::unique_ptr<Connection> connection)
        : changed(scheduler), connection(std::move(connection)) {}
    // A slot was queued or became ready, the reader ended, or stop() was called.
    WaitQueue changed;
    std::unique_ptr<Connection> connection;
    std::deque<std::shared_ptr<Slot>> slots;
    bool reader_done = false;
    bool stopping = false;
    bool closed = false;
};

std::vector<uint8_t> encode_response_frame(int32_t correlation_id, ApiKey api_key,
                                           int16_t version, const protocol::AnyResponse& body) {
    protocol::ByteWriter writer;
    writer.write_int32(0);  // the size, filled in below
    protocol::ResponseHeader{correlation_id}.encode(
        writer, protocol::response_header_version(api_key, version));
    protocol::encode_response(body, version, writer);
    writer.overwrite_int32(0, static_cast<int32_t>(writer.size() - 4));
    return writer.release();
}

ClientConnection::ClientConnection(BrokerServices& services,
                                   std::unique_ptr<Connection> connection,
                                   std::string listener_name, ConnectionLimits limits)
    : services_(services),
      peer_(connection->peer()),
      local_(connection->local_address()),
      listener_name_(std::move(listener_name)),
      limits_(limits),
      shared_(std::make_shared<Shared>(services.env.scheduler, std::move(connection))) {}

ClientConnection::~ClientConnection() = default;

void ClientConnection::stop() {
    shared_->stopping = true;
    shared_->changed.notify_all();
}

void ClientConnection::serve() {
    std::shared_ptr<Shared> shared = shared_;
    services_.env.scheduler.spawn("connection/reader", [this] { read_requests(); });
    Instant write_deadline;
    while (!shared->closed) {
        if (!shared->slots.empty() && shared->slots.front()->ready) {
            std::shared_ptr<Slot> slot = std::move(shared->slots.front());
            shared->slots.pop_front();
            shared->changed.notify_all();  // the reader may wait for room in the queue
            if (!slot->respond) continue;
            write_deadline = services_.env.clock.now() + milliseconds(kResponseWriteTimeoutMs);
            Result<void> written = shared->connection->write(slot->frame, write_deadline);
            if (!written) break;  // the client is gone; nothing to tell it
            continue;
        }
        if (shared->slots.empty() && (shared->reader_done || shared->stopping)) break;
        shared->changed.wait();  // May suspend.
    }
    shared->closed = true;
    shared->connection->close();  // wakes the reader if it is parked in read()
    while (!shared->reader_done) shared->changed.wait();
}

void ClientConnection::read_requests() {
    std::shared_ptr<Shared> shared = shared_;
    Environment& env = services_.env;
    protocol::FrameAssembler frames(limits_.request_bytes_max, kRequestBytesMin);
    Instant last_activity = env.clock.now();
    while (!shared->stopping && !shared->closed) {
        if (shared->slots.size() >= kInFlightRequestsMax) {
            shared->changed.wait();  // May suspend.
            continue;
        }
        Result<std::size_t> read =
            shared->connection->read(frames.space(), last_activity + limits_.idle_timeout);
        if (!read) {
            if (read.error().code() == ErrorCode::timeout && !shared->closed) {
                if (!shared->slots.empty()) {  // busy answering: not idle
                    last_activity = env.clock.now();
                    continue;
                }
                services_.log.info("closing connection from {}: idle for {} ms",
                                   peer_.to_string(), to_ms(limits_.idle_timeout));
            }
            break;
        }
        last_activity = env.clock.now();
        if (shared->stopping) break;
        if (Result<void> committed = frames.commit(*read); !committed) {
            refuse("a request frame", committed.error().context());
            break;
        }
        if (frames.complete() && !accept_frame(frames.take())) break;
    }
    shared->reader_done = true;
    shared->changed.notify_all();
}

void ClientConnection::refuse(const std::string& what, const std::string& reason) {
    services_.log.warn("closing connection from {}: {}: {}", peer_.to_string(), what, reason);
    shared_->closed = true;
    shared_->connection->close();
    shared_->changed.notify_all();
}

void ClientConnection::queue_ready_response(const protocol::RequestHeader& header,
                                            const protocol::AnyResponse& response,
                                            int16_t version) {
    auto slot = std::make_shared<Slot>();
    slot->ready = true;
    slot->frame = encode_response_frame(header.correlation_id, header.api_key, version, response);
    shared_->slots.push_back(std::move(slot));
    shared_->changed.notify_all();
}

bool ClientConnection::accept_frame(std::vector<uint8_t> frame) {
    protocol::ByteReader reader(frame);
    Result<protocol::RequestHeader> header = protocol::decode_request_header(reader);
    if (!header) {
        refuse("an undecodable request header", header.error().describe());
        return false;
    }
    ApiKey api_key = header->api_key;
    int16_t version = header->api_version;
    std::string what = fmt::format("{} v{}", protocol::api_key_name(api_key), version);
    const HandlerSpec* spec = find_handler(api_key);
    if (api_key == ApiKey::api_versions && spec != nullptr && version > spec->max_version) {
        // KIP-511: answer in v0, which every client can read, so it retries with a version
        // from the one entry we list.
        queue_ready_response(*header, unsupported_api_versions_response(), 0);
        return true;
    }
    if (spec == nullptr || !spec->offered(services_.kraft())) {
        refuse(what, "API not supported");
        return false;
    }
    if (!spec->serves(version)) {
        refuse(what, fmt::format("version not supported (Brook serves v{}-v{})",
                                 spec->min_version, spec->max_version));
        return false;
    }
    Result<protocol::AnyRequest> request = protocol::decode_request(
        api_key, version, std::span<const uint8_t>(frame).subspan(reader.position()));
    if (!request) {
        refuse(what, request.error().describe());
        return false;
    }
    auto slot = std::make_shared<Slot>();
    shared_->slots.push_back(slot);
    RequestContext context{std::move(*header), peer_, local_, listener_name_};
    // Spawned fibers start in spawn order, so handlers start in request order (see the
    // header comment on why Produce depends on that).
    ++services_.requests_in_flight;
    services_.env.scheduler.spawn(
        "request", [&services = services_, shared = shared_, slot, context = std::move(context),
                    request = std::move(*request)]() mutable {
            struct Done {
                BrokerServices& services;
                ~Done() {
                    if (--services.requests_in_flight == 0) services.requests_idle.notify_all();
                }
            } done{services};
            std::optional<protocol::AnyResponse> response =
                dispatch(services, context, std::move(request));  // May suspend.
            if (response) {
                slot->frame = encode_response_frame(context.header.correlation_id,
                                                    context.header.api_key, context.version(),
                                                    *response);
            } else {
                slot->respond = false;
            }
            slot->ready = true;
            shared->changed.notify_all();
        });
    return true;
}

}  // namespace brook::broker
