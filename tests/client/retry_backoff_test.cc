#include <catch2/catch.hpp>

#include "core/client/cluster.h"
#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

TEST_CASE("cluster: retry backoff doubles per failure up to retry.backoff.max.ms, +-20% jitter") {
    ClientRig rig;
    rig.run([&] {
        ClusterConfig config = rig.cluster_config();
        config.retry_backoff = milliseconds(100);
        config.retry_backoff_max = milliseconds(1000);
        Cluster cluster(rig.client(), config);
        const int64_t expected_ms[] = {100, 200, 400, 800, 1000, 1000, 1000};
        for (uint32_t failures = 0; failures < 7; ++failures) {
            std::set<int64_t> seen;
            for (int draw = 0; draw < 200; ++draw) {
                int64_t ms = to_ms(cluster.retry_backoff(failures));
                INFO("failures " << failures << ": " << ms << " ms");
                REQUIRE(ms >= expected_ms[failures] * 80 / 100);
                REQUIRE(ms <= expected_ms[failures] * 120 / 100);
                seen.insert(ms);
            }
            CHECK(seen.size() > 10);  // jittered, not one value
        }
        REQUIRE(to_ms(cluster.retry_backoff(1'000'000)) <= 1200);  // no overflow
        // A maximum below retry.backoff.ms leaves retry.backoff.ms (Kafka does the same).
        config.retry_backoff_max = milliseconds(10);
        Cluster capped(rig.client(), config);
        REQUIRE(to_ms(capped.retry_backoff(3)) >= 80);
        cluster.close();
        capped.close();
    });
}

}  // namespace
}  // namespace brook::client::testing
