// A whole client connection's byte stream, arbitrary bytes, into the broker's real connection
// handling and request handlers, inside the simulator (fibers, the simulated network that cuts
// the stream at random points, the simulated disk). The broker must survive whatever the bytes
// do (valid requests included: the corpus holds real kcat and kafka-python sessions), and a
// fresh connection must still get an answer to a well-formed ApiVersions afterwards.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/broker/broker.h"
#include "core/client/kafka_connection.h"
#include "sim/simulation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace brook;
    sim::Simulation sim(1, LogLevel::error);
    const Address address{"n1", 9092};
    broker::BrokerConfig config;
    ASSERT(config.set("listeners", "PLAINTEXT://n1:9092").ok());
    // Small frames keep each input fast: one request cannot create thousands of topics.
    ASSERT(config.set("socket.request.max.bytes", "65536").ok());
    ASSERT(config.finish().ok());
    sim.add_process("n1", [&](Environment& env) {
        broker::Broker node(env, config);
        (void)node.run();
    });
    std::span<const uint8_t> input(data, size);
    bool answered = false;
    sim.add_process("client", [&](Environment& env) {
        // The hostile connection, once the broker listens (it recovers its disk first).
        auto hostile = env.network.connect(address, env.clock.now() + seconds(1));
        for (int attempt = 0; !hostile && attempt < 100; ++attempt) {
            env.clock.sleep_for(milliseconds(10));
            hostile = env.network.connect(address, env.clock.now() + seconds(1));
        }
        ASSERT(hostile.ok(), "the broker never listened");
        (void)(*hostile)->write(input, env.clock.now() + seconds(1));
        uint8_t reply[4096];
        while ((*hostile)->read(reply, env.clock.now() + seconds(1))) {
        }
        // A well-behaved client afterwards, on a new connection.
        auto kafka = client::KafkaConnection::connect(env.network, address,
                                                      env.clock.now() + seconds(1));
        if (!kafka) return;
        auto response = (*kafka)->call(protocol::ApiVersionsRequest{}, 3,
                                       env.clock.now() + seconds(5));
        answered = response.ok() &&
                   std::get<protocol::ApiVersionsResponse>(*response).error_code == 0;
    });
    sim.run_for(seconds(30));
    ASSERT(answered, "the broker stopped answering after {} hostile bytes", size);
    return 0;
}
