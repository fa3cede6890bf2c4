#include "net/epoll_network.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "core/base/check.h"
#include "core/runtime/wait_queue.h"
#include "os/errno_text.h"

namespace brook {
namespace {

struct Endpoint {
    sockaddr_storage storage{};
    socklen_t length = 0;

    const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage); }
    int family() const { return storage.ss_family; }
};

// Numeric hosts resolve without I/O; names ("localhost") through getaddrinfo, which blocks.
// An empty host means "any address" for a listener.
Result<std::vector<Endpoint>> resolve(const Address& address, bool passive) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
    std::string port = std::to_string(address.port);
    addrinfo* results = nullptr;
    int status = ::getaddrinfo(address.host.empty() ? nullptr : address.host.c_str(), port.c_str(),
                               &hints, &results);
    if (status != 0) {
        return Error(ErrorCode::invalid_argument, fmt::format("resolve '{}': {}", address.host,
                                                              ::gai_strerror(status)));
    }
    std::vector<Endpoint> endpoints;
    for (addrinfo* result = results; result != nullptr; result = result->ai_next) {
        if (result->ai_addrlen > sizeof(sockaddr_storage)) continue;
        Endpoint endpoint;
        std::memcpy(&endpoint.storage, result->ai_addr, result->ai_addrlen);
        endpoint.length = result->ai_addrlen;
        endpoints.push_back(endpoint);
    }
    ::freeaddrinfo(results);
    if (endpoints.empty()) {
        return Error(ErrorCode::invalid_argument, fmt::format("resolve '{}': no address",
                                                              address.host));
    }
    return endpoints;
}

Address address_of(const sockaddr_storage& storage) {
    char text[INET6_ADDRSTRLEN] = {};
    if (storage.ss_family == AF_INET) {
        const auto& ipv4 = reinterpret_cast<const sockaddr_in&>(storage);
        ::inet_ntop(AF_INET, &ipv4.sin_addr, text, sizeof text);
        return Address{text, ntohs(ipv4.sin_port)};
    }
    if (storage.ss_family == AF_INET6) {
        const auto& ipv6 = reinterpret_cast<const sockaddr_in6&>(storage);
        ::inet_ntop(AF_INET6, &ipv6.sin6_addr, text, sizeof text);
        return Address{text, ntohs(ipv6.sin6_port)};
    }
    return Address{"?", 0};
}

void set_no_delay(int fd) {
    int one = 1;
    // Failure only costs latency (Nagle stays on); never worth refusing the connection.
    [[maybe_unused]] int result = ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// One TCP stream. The fd is -1 once closed; every path re-checks it after a suspension, since
// another fiber may have closed the connection (and the number may belong to a new socket).
class EpollConnection final : public Connection, private EpollReactor::Watcher {
public:
    EpollConnection(Scheduler& scheduler, EpollReactor& reactor, int fd, Address peer)
        : reactor_(reactor), fd_(fd), peer_(std::move(peer)), readable_(scheduler),
          writable_(scheduler) {}
    ~EpollConnection() override { close(); }

    // Registers with the reactor; on failure the destructor still closes the fd.
    Result<void> start() {
        TRY(reactor_.watch(fd_, *this));
        watched_ = true;
        return ok();
    }

    Result<std::size_t> read(std::span<uint8_t> buffer, Instant deadline) override {
        ASSERT(!buffer.empty(), "a read needs room for at least one byte");
        while (true) {
            if (fd_ < 0) return Error(ErrorCode::disconnected, closed_context("read from"));
            ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
            if (n > 0) return static_cast<std::size_t>(n);
            if (n == 0) {
                return Error(ErrorCode::disconnected,
                             fmt::format("read from {}: peer closed", peer_.to_string()));
            }
            int error = errno;
            if (error == EINTR) continue;
            if (error != EAGAIN && error != EWOULDBLOCK) {
                // ECONNRESET, ETIMEDOUT (keepalive), EHOSTUNREACH...: the stream is gone.
                return Error(ErrorCode::disconnected, fmt::format("read from {}: {}",
                                                                  peer_.to_string(),
                                                                  errno_text(error)));
            }
            if (!readable_.wait(deadline)) {
                return Error(ErrorCode::timeout,
                             fmt::format("read from {}: deadline passed", peer_.to_string()));
            }
        }
    }

    Result<void> write(std::span<const uint8_t> bytes, Instant deadline) override {
        std::size_t sent = 0;
        while (sent < bytes.size()) {
            if (fd_ < 0) return Error(ErrorCode::disconnected, closed_context("write to"));
            ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
            if (n >= 0) {
                sent += static_cast<std::size_t>(n);
                continue;
            }
            int error = errno;
            if (error == EINTR) continue;
            if (error != EAGAIN && error != EWOULDBLOCK) {
                // EPIPE, ECONNRESET...: the peer is gone.
                return Error(ErrorCode::disconnected, fmt::format("write to {}: {}",
                                                                  peer_.to_string(),
                                                                  errno_text(error)));
            }
            // The send buffer is full: back pressure until the peer reads.
            if (!writable_.wait(deadline)) {
                return Error(ErrorCode::timeout,
                             fmt::format("write to {}: deadline passed after {} of {} bytes",
                                         peer_.to_string(), sent, bytes.size()));
            }
        }
        return ok();
    }

    void close() override {
        if (fd_ < 0) return;
        if (watched_) reactor_.unwatch(fd_);
        watched_ = false;
        ::close(fd_);
        fd_ = -1;
        // Parked readers and writers see fd_ < 0 and return disconnected.
        readable_.notify_all();
        writable_.notify_all();
    }

    const Address& peer() const override { return peer_; }

    Address local_address() const override {
        if (fd_ < 0) return Address{};
        sockaddr_storage storage{};
        socklen_t length = sizeof storage;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
            return Address{};
        }
        return address_of(storage);
    }

    // Completes a nonblocking connect() that answered EINPROGRESS. May suspend.
    Result<void> finish_connect(Instant deadline) {
        while (true) {
            if (fd_ < 0) return Error(ErrorCode::disconnected, closed_context("connect to"));
            int error = 0;
            socklen_t length = sizeof error;
            if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
            if (error != 0) {
                return Error(ErrorCode::disconnected, fmt::format("connect to {}: {}",
                                                                  peer_.to_string(),
                                                                  errno_text(error)));
            }
            sockaddr_storage storage{};
            socklen_t storage_length = sizeof storage;
            if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&storage), &storage_length) == 0) {
                return ok();
            }
            if (!writable_.wait(deadline)) {
                return Error(ErrorCode::timeout,
                             fmt::format("connect to {}: deadline passed", peer_.to_string()));
            }
        }
    }

private:
    void on_ready(uint32_t events) override {
        // Errors and hang-ups wake both sides: the next syscall reports what happened.
        if (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) readable_.notify_all();
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) writable_.notify_all();
    }

    std::string closed_context(std::string_view operation) const {
        return fmt::format("{} {}: connection closed", operation, peer_.to_string());
    }

    EpollReactor& reactor_;
    int fd_;
    bool watched_ = false;
    Address peer_;
    WaitQueue readable_;
    WaitQueue writable_;
};

class EpollListener final : public Listener, private EpollReactor::Watcher {
public:
    EpollListener(Scheduler& scheduler, EpollReactor& reactor, Logger log, int fd)
        : scheduler_(scheduler), reactor_(reactor), log_(std::move(log)), fd_(fd),
          acceptable_(scheduler) {}
    ~EpollListener() override { close(); }

    Result<void> start() {
        TRY(reactor_.watch(fd_, *this, EPOLLIN));
        watched_ = true;
        return ok();
    }

    Result<std::unique_ptr<Connection>> accept(Instant deadline) override {
        while (true) {
            if (fd_ < 0) return Error(ErrorCode::shutting_down, "accept: listener closed");
            sockaddr_storage storage{};
            socklen_t length = sizeof storage;
            int fd = ::accept4(fd_, reinterpret_cast<sockaddr*>(&storage), &length,
                               SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd >= 0) {
                set_no_delay(fd);
                auto connection = std::make_unique<EpollConnection>(scheduler_, reactor_, fd,
                                                                    address_of(storage));
                TRY(connection->start());
                return std::unique_ptr<Connection>(std::move(connection));
            }
            int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK) {
                if (!acceptable_.wait(deadline)) {
                    return Error(ErrorCode::timeout, "accept: deadline passed");
                }
                continue;
            }
            if (is_transient_accept_error(error)) continue;
            // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays queued; the caller decides
            // whether to back off and retry.
            log_.warn("accept on {}: {}", local_address().to_string(), errno_text(error));
            return Error(ErrorCode::io_error, fmt::format("accept: {}", errno_text(error)));
        }
    }

    Address local_address() const override {
        if (fd_ < 0) return Address{};
        sockaddr_storage storage{};
        socklen_t length = sizeof storage;
        if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
            return Address{};
        }
        return address_of(storage);
    }

    void close() override {
        if (fd_ < 0) return;
        if (watched_) reactor_.unwatch(fd_);
        watched_ = false;
        ::close(fd_);
        fd_ = -1;
        acceptable_.notify_all();
    }

private:
    // accept(2): "Linux accept() passes already-pending network errors on the new socket as an
    // error code from accept()"; those concern one peer, not the listener.
    static bool is_transient_accept_error(int error) {
        switch (error) {
            case EINTR: case ECONNABORTED: case EPROTO: case EPERM: case ENETDOWN:
            case ENOPROTOOPT: case EHOSTDOWN: case ENONET: case EHOSTUNREACH: case EOPNOTSUPP:
            case ENETUNREACH:
                return true;
            default:
                return false;
        }
    }

    void on_ready(uint32_t) override { acceptable_.notify_all(); }

    Scheduler& scheduler_;
    EpollReactor& reactor_;
    Logger log_;
    int fd_;
    bool watched_ = false;
    WaitQueue acceptable_;
};

Error listen_error(const Address& address, std::string_view operation, int error) {
    ErrorCode code = error == EADDRINUSE      ? ErrorCode::already_exists
                     : error == EADDRNOTAVAIL ? ErrorCode::invalid_argument
                                              : ErrorCode::io_error;
    return Error(code, fmt::format("listen on {}: {}: {}", address.to_string(), operation,
                                   errno_text(error)));
}

}  // namespace

EpollNetwork::EpollNetwork(Scheduler& scheduler, EpollReactor& reactor, LogSink& log_sink)
    : scheduler_(scheduler), reactor_(reactor), log_(log_sink, "net") {}

Result<std::unique_ptr<Listener>> EpollNetwork::listen(const Address& address) {
    TRY_ASSIGN(std::vector<Endpoint> endpoints, resolve(address, /*passive=*/true));
    const Endpoint& endpoint = endpoints.front();
    int fd = ::socket(endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return listen_error(address, "socket", errno);
    // The listener owns the fd from here: every early return closes it.
    auto listener = std::make_unique<EpollListener>(scheduler_, reactor_, log_, fd);
    int one = 1;
    // A restarted broker must rebind at once although old connections linger in TIME_WAIT.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
        return listen_error(address, "SO_REUSEADDR", errno);
    }
    if (::bind(fd, endpoint.address(), endpoint.length) != 0) {
        return listen_error(address, "bind", errno);
    }
    if (::listen(fd, kListenBacklog) != 0) return listen_error(address, "listen", errno);
    TRY(listener->start());
    log_.debug("listening on {}", listener->local_address().to_string());
    return std::unique_ptr<Listener>(std::move(listener));
}

Result<std::unique_ptr<Connection>> EpollNetwork::connect(const Address& address,
                                                          Instant deadline) {
    auto endpoints = resolve(address, /*passive=*/false);
    if (!endpoints) return Error(ErrorCode::disconnected, endpoints.error().context());
    Error last_error(ErrorCode::disconnected);
    // "localhost" may be ::1 and 127.0.0.1; the peer may listen on only one of them.
    for (const Endpoint& endpoint : *endpoints) {
        Address peer = address_of(endpoint.storage);
        peer.host = address.host;  // log lines name the peer as the caller did
        int fd = ::socket(endpoint.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            return Error(ErrorCode::io_error,
                         fmt::format("connect to {}: socket: {}", peer.to_string(),
                                     errno_text(errno)));
        }
        set_no_delay(fd);
        auto connection = std::make_unique<EpollConnection>(scheduler_, reactor_, fd, peer);
        // Watched before connect() so that the completion edge cannot be missed.
        TRY(connection->start());
        if (::connect(fd, endpoint.address(), endpoint.length) == 0) {
            return std::unique_ptr<Connection>(std::move(connection));
        }
        int error = errno;
        Result<void> connected =
            error == EINPROGRESS || error == EINTR  // EINTR: the connect goes on in background
                ? connection->finish_connect(deadline)
                : Result<void>(Error(ErrorCode::disconnected,
                                     fmt::format("connect to {}: {}", peer.to_string(),
                                                 errno_text(error))));
        if (connected) return std::unique_ptr<Connection>(std::move(connection));
        if (connected.error().code() == ErrorCode::timeout) return std::move(connected).error();
        last_error = std::move(connected).error();
    }
    return last_error;
}

}  // namespace brook
