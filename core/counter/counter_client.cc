#include "core/counter/counter_client.h"

#include <charconv>

#include "core/counter/counter_server.h"

namespace brook::counter {

Result<int64_t> CounterClient::request(std::string_view command, std::string_view reply_prefix,
                                       Duration timeout) {
    Result<int64_t> result = exchange(command, reply_prefix, env_.clock.now() + timeout);
    if (!result) {
        // After any failure the stream's state is unknown (a reply may still be on its way), so
        // the next request starts on a new connection.
        connection_.reset();
        reader_.reset();
    }
    return result;
}

Result<int64_t> CounterClient::exchange(std::string_view command, std::string_view reply_prefix,
                                        Instant deadline) {
    if (!connection_) {
        TRY_ASSIGN(connection_, env_.network.connect(server_, deadline));
        reader_ = std::make_unique<LineReader>(*connection_, kMaxLineBytes);
    }
    std::string line = fmt::format("{}\n", command);
    TRY(connection_->write({reinterpret_cast<const uint8_t*>(line.data()), line.size()},
                           deadline));
    TRY_ASSIGN(std::string reply, reader_->next(deadline));
    if (!reply.starts_with(reply_prefix)) {
        return Error(ErrorCode::io_error, fmt::format("server answered '{}'", reply));
    }
    std::string_view number = std::string_view(reply).substr(reply_prefix.size());
    int64_t value = 0;
    auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc() || end != number.data() + number.size()) {
        return Error(ErrorCode::corruption, fmt::format("bad reply '{}'", reply));
    }
    return value;
}

}  // namespace brook::counter
