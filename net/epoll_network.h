// The production network: nonblocking TCP sockets whose readiness comes from an EpollReactor.
//
//   EpollNetwork network(scheduler, reactor, log_sink);
//   TRY_ASSIGN(auto listener, network.listen(Address{"0.0.0.0", 9092}));
//   scheduler.spawn("accept", [&] {
//       while (auto connection = listener->accept()) serve(std::move(*connection));
//   });
//
// Every operation is a nonblocking syscall first; on EAGAIN the fiber parks on the socket's
// readable or writable WaitQueue, which the reactor notifies on the next edge. Sockets are
// CLOEXEC, connections have TCP_NODELAY (Kafka responses are small and latency matters more than
// packet count), and writes use MSG_NOSIGNAL so a peer that hangs up yields `disconnected`, never
// SIGPIPE. A peer that sends garbage and resets only ever produces `disconnected` here: this
// layer moves bytes and does not parse them.
//
// Hosts are numeric IPv4/IPv6 addresses or names. Names are resolved with getaddrinfo, which
// blocks the thread: acceptable for connect and listen setup, which are rare.
//
// Objects returned by listen() and connect() use the scheduler and reactor: destroy them first.
#pragma once

#include <memory>

#include "core/base/logger.h"
#include "core/io/network.h"
#include "core/runtime/scheduler.h"
#include "os/epoll_reactor.h"

namespace brook {

class EpollNetwork final : public Network {
public:
    // The pending-connection queue of a listening socket (capped by net.core.somaxconn).
    static constexpr int kListenBacklog = 1024;

    EpollNetwork(Scheduler& scheduler, EpollReactor& reactor, LogSink& log_sink);

    // Binds with SO_REUSEADDR; port 0 picks a free port, which local_address() reports.
    // Fails with already_exists when the address is in use, invalid_argument when the host does
    // not resolve, io_error otherwise.
    Result<std::unique_ptr<Listener>> listen(const Address& address) override;

    // Tries each resolved address in turn. May suspend.
    Result<std::unique_ptr<Connection>> connect(const Address& address,
                                                Instant deadline = kNever) override;

private:
    Scheduler& scheduler_;
    EpollReactor& reactor_;
    Logger log_;
};

}  // namespace brook
