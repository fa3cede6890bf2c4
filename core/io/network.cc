#include "core/io/network.h"

#include <charconv>

namespace brook {

Result<Address> Address::parse(std::string_view text) {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
        return Error(ErrorCode::invalid_argument, fmt::format("'{}' is not host:port", text));
    }
    std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
        return Error(ErrorCode::invalid_argument, fmt::format("'{}' has no valid port", text));
    }
    std::string_view host = text.substr(0, colon);
    // "[::1]:9092"
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    return Address{std::string(host), static_cast<uint16_t>(port)};
}

Result<void> Connection::read_exact(std::span<uint8_t> buffer, Instant deadline) {
    std::size_t filled = 0;
    while (filled < buffer.size()) {
        TRY_ASSIGN(std::size_t n, read(buffer.subspan(filled), deadline));
        filled += n;
    }
    return ok();
}

}  // namespace brook
