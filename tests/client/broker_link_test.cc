#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

TEST_CASE("broker link: calls from several fibers are pipelined and each gets its answer") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("alpha", 1);
        rig.create_topic("beta", 2);
        Cluster cluster(rig.client(), rig.cluster_config());
        auto link = cluster.link(NodeId(1), rig.deadline());
        if (!link) link = cluster.any_link(rig.deadline());
        REQUIRE(link.ok());
        CHECK((*link)->version(protocol::ApiKey::fetch) == std::optional<int16_t>(12));
        CHECK((*link)->version(protocol::ApiKey::metadata) == std::optional<int16_t>(9));
        std::map<std::string, std::size_t> partitions;
        std::size_t most_in_flight = 0;
        int done = 0;
        WaitQueue finished(rig.sim.scheduler());
        for (const std::string topic : {"alpha", "beta", "alpha", "beta"}) {
            rig.sim.scheduler().spawn("caller", [&, topic, shared = *link] {
                protocol::MetadataRequest request;
                request.topics.emplace();
                request.topics->push_back({protocol::Uuid{}, topic});
                auto response = shared->call<protocol::MetadataResponse>(request, rig.deadline());
                most_in_flight = std::max(most_in_flight, shared->in_flight());
                if (response && response->topics.size() == 1) {
                    partitions[topic] = response->topics[0].partitions.size();
                }
                ++done;
                finished.notify_all();
            });
        }
        while (done < 4) finished.wait(rig.deadline());
        CHECK(partitions["alpha"] == 1);
        CHECK(partitions["beta"] == 2);
        CHECK(most_in_flight >= 2);
        cluster.close();
    });
}

TEST_CASE(
    "broker link: a call past its deadline breaks the link for every caller; the cluster "
    "opens a new one") {
    ClientRig rig;
    rig.run([&] {
        Cluster cluster(rig.client(), rig.cluster_config());
        auto first = cluster.any_link(rig.deadline());
        REQUIRE(first.ok());
        rig.sim.network().partition_both("client", "n1");
        protocol::MetadataRequest request;
        auto late =
            (*first)->call<protocol::MetadataResponse>(request, rig.deadline(milliseconds(200)));
        REQUIRE(!late.ok());
        CHECK(late.error().code() == ErrorCode::timeout);
        CHECK(late.error().context().find("n1:9092") != std::string::npos);
        CHECK((*first)->broken());
        auto after = (*first)->call<protocol::MetadataResponse>(request, rig.deadline());
        CHECK(!after.ok());
        rig.sim.network().heal_all();
        auto second = cluster.any_link(rig.deadline());
        REQUIRE(second.ok());
        CHECK(second->get() != first->get());
        CHECK((*second)->call<protocol::MetadataResponse>(request, rig.deadline()).ok());
        cluster.close();
    });
}

}  // namespace
}  // namespace brook::client::testing
