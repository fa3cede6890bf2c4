// A broker on simulated node "n1" and a test body that talks to it with the wire client, as a
// real client would, over the simulated network (byte streams cut at random points).
//
//   BrokerRig rig;
//   rig.run([&] {
//       auto kafka = rig.connect();
//       auto produced = client::produce(*kafka, "t", PartitionId(0), batch, -1, rig.deadline());
//       REQUIRE(produced.ok());
//   });
#pragma once

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>

#include "core/broker/broker.h"
#include "core/client/kafka_calls.h"
#include "core/client/kafka_connection.h"
#include "core/cluster/cluster_view.h"
#include "core/cluster/meta_properties.h"
#include "core/log/record_batch_builder.h"
#include "sim/simulation.h"
#include "tests/forget_on_exit.h"
#include "tests/io/fiber_runner.h"
#include "tests/trace_count.h"

namespace brook::broker::testing {

inline const Address kBrokerAddress{"n1", 9092};

inline BrokerConfig rig_config() {
    BrokerConfig config;
    REQUIRE(config.set("listeners", "PLAINTEXT://n1:9092").ok());
    REQUIRE(config.finish().ok());
    return config;
}

// A batch of `count` records "<tag>-<i>", timestamps from `timestamp_ms` on.
inline std::vector<uint8_t> text_batch(const std::string& tag, int count,
                                       int64_t timestamp_ms = 1'800'000'000'000) {
    log::RecordBatchBuilder builder(timestamp_ms);
    for (int i = 0; i < count; ++i) {
        std::string value = fmt::format("{}-{}", tag, i);
        builder.add(log::Record{.key = std::nullopt,
                                .value = log::Bytes(value.begin(), value.end()),
                                .headers = {},
                                .timestamp_ms = timestamp_ms + i});
    }
    return builder.build();
}

// The record values of fetched bytes, in order.
inline std::vector<std::string> values_of(std::span<const uint8_t> bytes) {
    std::vector<std::string> values;
    while (!bytes.empty()) {
        log::BatchCheck check = log::check_batch(bytes);
        REQUIRE(check.problem == log::BatchProblem::none);
        log::RecordBatchView view(bytes.first(check.size));
        auto records = log::decode_records(view);
        REQUIRE(records.ok());
        for (const log::Record& record : *records) {
            values.emplace_back(record.value->begin(), record.value->end());
        }
        bytes = bytes.subspan(check.size);
    }
    return values;
}

struct BrokerRig {
    // With `controller`, a KRaft broker: `config` must set process.roles, and the data
    // directory is formatted (cluster kClusterId) before the broker starts.
    explicit BrokerRig(BrokerConfig broker_config = rig_config(), uint64_t seed = 1,
                       ControllerForwarder* controller = nullptr)
        : config(std::move(broker_config)), sim(seed) {
        sim.trace().keep_lines(true);
        sim.add_process("n1", [this, controller](Environment& env) {
            if (controller != nullptr) format(env);
            Broker node(env, config, controller);
            broker = &node;
            // Only queued here (it cannot fail): run() applies it once the data directory is
            // checked, in the node's own fiber, so a crash can stop it anywhere.
            if (boot_view) (void)node.apply_cluster_view(*boot_view);
            brook::testing::ForgetOnExit forget(broker);
            Result<void> ran = node.run();
            run_result = ran.ok() ? "ok" : ran.error().describe();
        });
    }

    // Runs `body` as the test's client until it returns. REQUIREs inside it fail the test.
    void run(std::function<void()> body, Duration limit = seconds(600)) {
        brook::testing::FiberRunner runner(sim.scheduler());
        runner.spawn("test", [this, body = std::move(body)] {
            wait_until_serving();
            body();
        });
        runner.run(limit);
    }

    Instant now() { return sim.now(); }
    Instant deadline(Duration after = seconds(10)) { return sim.now() + after; }
    void sleep(Duration duration) { brook::testing::sleep_for(sim.scheduler(), duration); }

    void wait_until_serving() {
        Instant limit = sim.now() + seconds(30);
        while ((broker == nullptr || !broker->serving()) && sim.now() < limit) sleep(milliseconds(1));
        REQUIRE(broker != nullptr);
        REQUIRE(broker->serving());
    }

    // A new connection from host "client". May suspend.
    std::unique_ptr<client::KafkaConnection> connect() {
        auto connection = client::KafkaConnection::connect(sim.network().host("client"),
                                                           kBrokerAddress, deadline());
        REQUIRE(connection.ok());
        return std::move(connection).value();
    }

    // Crashes the node (unsynced disk writes may be lost) and boots it again. May suspend.
    void crash_and_restart() {
        sim.crash("n1");
        sim.restart("n1");
        wait_until_serving();
    }

    // Whether the node's disk holds `path` (a file or a folder).
    bool exists_on_disk(const std::string& path) {
        auto present = sim.disk("n1").exists(path);
        REQUIRE(present.ok());
        return *present;
    }

    std::size_t count_in_trace(std::string_view needle) {
        return brook::testing::count_in_trace(sim.trace(), needle);
    }

    static constexpr std::string_view kClusterId = "brook-test-cluster-00001";

    // `brook format` of the node's data directory, unless it was formatted already.
    void format(Environment& env) {
        auto found = cluster::read_meta_properties(env.disk);
        REQUIRE(found.ok());
        if (*found) return;
        cluster::MetaProperties meta{std::string(kClusterId), config.node_id,
                                     cluster::random_uuid_text(env.random)};
        REQUIRE(cluster::write_meta_properties(env.disk, meta).ok());
    }

    BrokerConfig config;
    // KRaft mode: the view each boot starts with, as the metadata log hands it over at start.
    std::optional<cluster::ClusterView> boot_view;
    sim::Simulation sim;
    Broker* broker = nullptr;
    std::string run_result;
};

}  // namespace brook::broker::testing
