// The simulated backends held to the same contracts as the real ones (tests/io/*_contract.h).
#include <catch2/catch.hpp>

#include "core/io/random.h"
#include "sim/sim_disk.h"
#include "sim/sim_network.h"
#include "sim/sim_reactor.h"
#include "sim/trace.h"
#include "tests/io/disk_contract.h"
#include "tests/io/network_contract.h"

namespace brook {
namespace {

class SimNetworkFixture final : public contract::NetworkFixture {
public:
    SimNetworkFixture() : scheduler_(reactor_), network_(scheduler_, Random(20261127), trace_) {}

    Scheduler& scheduler() override { return scheduler_; }
    Network& server_network() override { return network_.host("server"); }
    Network& client_network() override { return network_.host("client"); }
    Address listen_address() override { return Address{"server", 0}; }

private:
    sim::SimReactor reactor_;
    sim::Trace trace_;
    Scheduler scheduler_;
    sim::SimNetwork network_;
};

class SimDiskFixture final : public contract::DiskFixture {
public:
    SimDiskFixture() : scheduler_(reactor_), disk_(scheduler_, Random(20261127), trace_, "n1") {}

    Scheduler& scheduler() override { return scheduler_; }
    Disk& disk() override { return disk_; }

private:
    sim::SimReactor reactor_;
    sim::Trace trace_;
    Scheduler scheduler_;
    sim::SimDisk disk_;
};

}  // namespace

BROOK_NETWORK_CONTRACT_TESTS("sim network contract", SimNetworkFixture)
BROOK_DISK_CONTRACT_TESTS("sim disk contract", SimDiskFixture)

}  // namespace brook
