#include <catch2/catch.hpp>

#include "tests/client/client_rig.h"

namespace brook::client::testing {
namespace {

// Sends `count` records "<tag>-<i>" to the record's topic/partition; collects the reports.
std::vector<DeliveryReport> send_all(Producer& producer, ProducerRecord shape, int count,
                                     const std::string& tag,
                                     std::vector<DeliveryReport>& reports) {
    for (int i = 0; i < count; ++i) {
        ProducerRecord record = shape;
        record.value = bytes_of(fmt::format("{}-{}", tag, i));
        auto sent = producer.send(std::move(record),
                                  [&](const DeliveryReport& report) { reports.push_back(report); });
        INFO((sent.ok() ? "" : sent.error().describe()));
        REQUIRE(sent.ok());
    }
    return reports;
}

TEST_CASE("producer: records to one partition get consecutive offsets, read back in order") {
    ClientRig rig;
    rig.run([&] {
        rig.create_topic("orders", 3);
        Producer producer(rig.client(), rig.producer_config());
        std::vector<DeliveryReport> reports;
        send_all(producer, {.topic = "orders", .partition = PartitionId(1)}, 10, "a", reports);
        REQUIRE(producer.flush(rig.deadline()).ok());
        REQUIRE(reports.size() == 10);
        for (int i = 0; i < 10; ++i) {
            INFO(i);
            REQUIRE(reports[i].ok());
            CHECK(reports[i].partition == PartitionId(1));
            CHECK(reports[i].offset == Offset(i));
        }
        producer.close();
        auto records = rig.read_all({{"orders", PartitionId(1)}});
        REQUIRE(records.size() == 10);
        for (int i = 0; i < 10; ++i) {
            CHECK(records[i].offset == Offset(i));
            CHECK(text_of(records[i].value) == fmt::format("a-{}", i));
        }
    });
}

}  // namespace
}  // namespace brook::client::testing
