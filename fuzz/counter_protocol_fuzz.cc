// Arbitrary bytes from a client into the counter service's real framing and request handling,
// inside the simulator (so fibers, the simulated network and ASan's fiber annotations are all
// exercised). The node must survive: whatever the bytes did to their own connection, a fresh
// client must still read the counter afterwards.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/base/check.h"
#include "core/counter/counter_client.h"
#include "core/counter/counter_server.h"
#include "sim/simulation.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace brook;
    sim::Simulation sim(1, LogLevel::error);
    const Address primary{"n1", 7000};
    const Address backup{"n2", 7000};
    sim.add_process("n2", [&](Environment& env) {
        (void)counter::CounterServer(env, counter::CounterOptions{.listen = backup}).run();
    });
    sim.add_process("n1", [&](Environment& env) {
        (void)counter::CounterServer(env, counter::CounterOptions{.listen = primary,
                                                            .backups = {backup}})
            .run();
    });
    std::span<const uint8_t> input(data, size);
    bool answered = false;
    sim.add_process("client", [&](Environment& env) {
        // The hostile client: its bytes, to the primary and the backup alike.
        for (const Address& target : {primary, backup}) {
            auto connection = env.network.connect(target, env.clock.now() + seconds(1));
            if (!connection) continue;
            (void)(*connection)->write(input, env.clock.now() + seconds(1));
            uint8_t reply[256];
            while ((*connection)->read(reply, env.clock.now() + seconds(1))) {
            }
        }
        // A well-behaved client afterwards.
        counter::CounterClient client(env, primary);
        answered = client.get(seconds(5)).ok();
    });
    sim.run_for(seconds(30));
    ASSERT(answered, "the counter stopped serving after {} hostile bytes", size);
    return 0;
}
