#include "core/counter/counter_server.h"

#include <charconv>

#include "core/counter/line_reader.h"

namespace brook::counter {
namespace {

Result<int64_t> parse_value(std::string_view text) {
    int64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 0) {
        return Error(ErrorCode::corruption, fmt::format("'{}' is not a counter value", text));
    }
    return value;
}

Result<void> write_line(Connection& connection, std::string_view line, Instant deadline) {
    std::string framed = fmt::format("{}\n", line);
    return connection.write({reinterpret_cast<const uint8_t*>(framed.data()), framed.size()},
                            deadline);
}

}  // namespace

// One backup as the primary sees it: a connection, opened on demand and dropped on any error.
class CounterServer::BackupLink {
public:
    BackupLink(Environment& env, Address address) : env_(env), address_(std::move(address)) {}

    // Sends SET and waits for the matching ACK. May suspend.
    Result<void> set(int64_t value, Instant deadline) {
        Result<void> result = exchange(value, deadline);
        if (!result) {
            connection_.reset();
            reader_.reset();
        }
        return result;
    }

    const Address& address() const { return address_; }

private:
    Result<void> exchange(int64_t value, Instant deadline) {
        if (!connection_) {
            TRY_ASSIGN(connection_, env_.network.connect(address_, deadline));
            reader_ = std::make_unique<LineReader>(*connection_, kMaxLineBytes);
        }
        TRY(write_line(*connection_, fmt::format("SET {}", value), deadline));
        TRY_ASSIGN(std::string reply, reader_->next(deadline));
        if (reply != fmt::format("ACK {}", value)) {
            return Error(ErrorCode::corruption, fmt::format("backup answered '{}'", reply));
        }
        return ok();
    }

    Environment& env_;
    Address address_;
    std::unique_ptr<Connection> connection_;
    std::unique_ptr<LineReader> reader_;
};

CounterServer::CounterServer(Environment& env, CounterOptions options)
    : env_(env),
      options_(std::move(options)),
      log_(env.log_sink, "counter"),
      store_(env.disk),
      increments_(env.scheduler) {
    for (const Address& backup : options_.backups) {
        backups_.push_back(std::make_unique<BackupLink>(env_, backup));
    }
}

CounterServer::~CounterServer() = default;

Result<void> CounterServer::run() {
    Result<int64_t> loaded = store_.load();
    if (!loaded) {
        log_.error("cannot load the counter: {}", loaded.error().describe());
        return loaded.error();
    }
    value_ = *loaded;
    Result<std::unique_ptr<Listener>> listener = env_.network.listen(options_.listen);
    if (!listener) {
        log_.error("cannot listen on {}: {}", options_.listen.to_string(),
                   listener.error().describe());
        return listener.error();
    }
    log_.info("{} on {} with value {}", options_.backups.empty() ? "backup" : "primary",
              (*listener)->local_address().to_string(), value_);
    while (true) {
        Result<std::unique_ptr<Connection>> connection = (*listener)->accept();
        if (!connection) return connection.error();
        env_.scheduler.spawn("counter/connection",
                             [this, c = std::move(connection).value()]() mutable {
                                 serve(std::move(c));
                             });
    }
}

void CounterServer::serve(std::unique_ptr<Connection> connection) {
    LineReader reader(*connection, kMaxLineBytes);
    while (true) {
        Result<std::string> line = reader.next();
        if (!line) {
            if (line.error().code() != ErrorCode::disconnected) {
                log_.warn("closing connection from {}: {}", connection->peer().to_string(),
                          line.error().describe());
            }
            return;
        }
        Result<std::string> reply = handle(*line);
        if (!reply) {
            log_.warn("closing connection from {}: {}", connection->peer().to_string(),
                      reply.error().describe());
            return;
        }
        Instant deadline = env_.clock.now() + options_.request_timeout;
        if (!write_line(*connection, *reply, deadline)) return;
    }
}

Result<std::string> CounterServer::handle(std::string_view line) {
    if (line == "GET") return fmt::format("VALUE {}", value_);
    if (line == "INC" && !options_.backups.empty()) {
        Result<int64_t> value = increment();
        if (!value) return fmt::format("ERR {}", value.error().describe());
        return fmt::format("OK {}", *value);
    }
    if (line.starts_with("SET ") && options_.backups.empty()) {
        TRY_ASSIGN(int64_t value, parse_value(line.substr(4)));
        auto lock = increments_.acquire();
        if (value > value_) {
            Result<void> saved = store_.save(value, options_.sync_before_ack);
            if (!saved) return fmt::format("ERR {}", saved.error().describe());
            value_ = value;
        }
        return fmt::format("ACK {}", value);
    }
    std::string printable(line.substr(0, 16));
    for (char& c : printable) {
        if (c < 0x20 || c > 0x7e) c = '?';
    }
    return Error(ErrorCode::corruption, fmt::format("unknown request '{}'", printable));
}

Result<int64_t> CounterServer::increment() {
    auto lock = increments_.acquire();
    int64_t next = value_ + 1;
    TRY(store_.save(next, options_.sync_before_ack));
    value_ = next;
    TRY(replicate(next));
    return next;
}

Result<void> CounterServer::replicate(int64_t value) {
    for (auto& backup : backups_) {
        // Keep trying: an acknowledged increment must be on every backup. The client's own
        // timeout bounds how long it waits; the increment stays unacknowledged meanwhile.
        Duration backoff = milliseconds(10);
        while (true) {
            Instant deadline = env_.clock.now() + seconds(1);
            Result<void> sent = backup->set(value, deadline);
            if (sent) break;
            log_.debug("replicating {} to {}: {}", value, backup->address().to_string(),
                       sent.error().describe());
            env_.clock.sleep_for(backoff);
            backoff = std::min<Duration>(backoff * 2, milliseconds(500));
        }
    }
    return ok();
}

}  // namespace brook::counter
