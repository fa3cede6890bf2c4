// A broker on simulated node "n1" (tests/broker/broker_rig.h) plus a client node "client" whose
// Environment the test body hands to Brook's producer, consumer and admin.
//
//   ClientRig rig;
//   rig.run([&] {
//       Producer producer(rig.client(), rig.producer_config());
//       ...
//       producer.close();
//   });
#pragma once

#include "core/client/admin.h"
#include "core/client/consumer.h"
#include "core/client/producer.h"
#include "tests/broker/broker_rig.h"

namespace brook::client::testing {

inline Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }
inline std::string text_of(const std::optional<Bytes>& bytes) {
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string("<null>");
}

struct ClientRig : broker::testing::BrokerRig {
    explicit ClientRig(broker::BrokerConfig config = broker::testing::rig_config(),
                       uint64_t seed = 1)
        : BrokerRig(std::move(config), seed) {
        // The process's Environment outlives its main, which only hands it over.
        sim.add_process("client", [this](Environment& env) { client_env = &env; });
    }

    Environment& client() {
        REQUIRE(client_env != nullptr);
        return *client_env;
    }

    ClusterConfig cluster_config() const {
        ClusterConfig config;
        config.bootstrap_servers = {broker::testing::kBrokerAddress};
        config.request_timeout = seconds(5);
        return config;
    }
    ProducerConfig producer_config() const {
        ProducerConfig config;
        config.cluster = cluster_config();
        config.delivery_timeout = seconds(30);
        return config;
    }
    ConsumerConfig consumer_config() const {
        ConsumerConfig config;
        config.cluster = cluster_config();
        config.auto_offset_reset = OffsetReset::earliest;
        config.fetch_max_wait = milliseconds(100);
        return config;
    }

    // Creates a topic through the admin client. May suspend.
    void create_topic(const std::string& name, int32_t partitions,
                      std::map<std::string, std::string> configs = {}) {
        Admin admin(client(), cluster_config());
        auto created =
            admin.create_topics({{name, partitions, -1, std::move(configs)}}, deadline());
        REQUIRE(created.ok());
        REQUIRE(created->size() == 1);
        INFO(created->front().describe());
        REQUIRE(created->front().ok());
        admin.close();
    }

    // Every record of the partitions from offset 0 up to the end, through a fresh consumer.
    // May suspend.
    std::vector<ConsumerRecord> read_all(const std::vector<TopicPartition>& partitions) {
        Consumer consumer(client(), consumer_config());
        consumer.assign(partitions);
        std::map<TopicPartition, Offset> ends;
        {
            Admin admin(client(), cluster_config());
            std::map<TopicPartition, int64_t> query;
            for (const auto& tp : partitions) query[tp] = kLatestTimestamp;
            auto listed = admin.list_offsets(query, deadline());
            REQUIRE(listed.ok());
            for (const ListedOffset& end : *listed) {
                REQUIRE(end.error == KafkaError::none);
                ends[end.tp] = end.offset;
            }
            admin.close();
        }
        std::vector<ConsumerRecord> all;
        Instant limit = deadline(seconds(60));
        auto done = [&] {
            for (const auto& [tp, end] : ends) {
                auto at = consumer.position(tp, deadline());
                REQUIRE(at.ok());
                if (*at < end) return false;
            }
            return true;
        };
        while (!done()) {
            REQUIRE(now() < limit);
            auto polled = consumer.poll(deadline(seconds(1)));
            INFO((polled.ok() ? std::string() : polled.error().describe()));
            REQUIRE(polled.ok());
            all.insert(all.end(), polled->begin(), polled->end());
        }
        consumer.close();
        return all;
    }

    Environment* client_env = nullptr;
};

}  // namespace brook::client::testing
