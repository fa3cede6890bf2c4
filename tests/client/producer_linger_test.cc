// Regression: a record appended with linger.ms > 0 to an idle producer must go out once the
// linger passes, without a flush (the sender used to sleep until a batch filled up).
#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

TEST_CASE("producer: a lingering batch leaves after linger.ms without a flush") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("events", 1);
        ProducerConfig config = rig.producer_config();
        config.linger = milliseconds(20);
        Producer producer(rig.client(), config);
        int delivered = 0;
        for (int i = 0; i < 3; ++i) {
            ProducerRecord record{.topic = "events", .partition = PartitionId(0)};
            record.value = bytes_of("small");
            REQUIRE(producer
                        .send(std::move(record),
                              [&](const DeliveryReport& report) {
                                  REQUIRE(report.ok());
                                  ++delivered;
                              })
                        .ok());
            rig.sleep(milliseconds(500));
            CHECK(delivered == i + 1);  // one batch per record: each left after its linger
        }
        producer.close();
    });
}

}  // namespace
}  // namespace brook::client::testing
