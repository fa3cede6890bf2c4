#include "scenarios/cluster_clients.h"

#include <fmt/format.h>

#include <iterator>
#include <set>

#include "core/client/consumer.h"
#include "core/client/kafka_calls.h"
#include "core/client/kafka_connection.h"
#include "core/client/producer.h"
#include "core/node/kraft_node.h"
#include "scenarios/broker_node.h"
#include "scenarios/cluster_shape.h"

namespace brook::scenarios {
namespace {

using protocol::KafkaError;
using protocol::MetadataResponse;

constexpr int64_t kRequestTimeoutMaxMs = 3000;
// The quiet phase's bounds: recovery, a settling CreateTopics, the final produce and reads.
constexpr Duration kRecoveryBound = seconds(30);
constexpr Duration kCreateBound = seconds(15);
constexpr Duration kProduceBound = seconds(20);
constexpr Duration kReadBound = seconds(30);
constexpr const char* kSpreadTopic = "spread";
constexpr int32_t kSpreadPartitions = 6;

Address broker_address(int index) { return Address{ClusterShape::broker_name(index), kBrokerPort}; }

std::optional<MetadataResponse> metadata_of(Environment& env, int broker, Duration timeout) {
    Instant deadline = env.clock.now() + timeout;
    auto kafka =
        client::KafkaConnection::connect(env.network, broker_address(broker), deadline, "checker");
    if (!kafka.ok()) return std::nullopt;
    auto answer = client::metadata(**kafka, std::nullopt, deadline, 9, false);
    if (!answer.ok()) return std::nullopt;
    return std::move(answer).value();
}

// CreateTopics of `name` through broker `through`; nullopt when no answer came in `timeout`.
// May suspend.
std::optional<KafkaError> create_through(Environment& env, int through, const std::string& name,
                                         int32_t partitions, Duration timeout) {
    Instant deadline = env.clock.now() + timeout;
    auto kafka =
        client::KafkaConnection::connect(env.network, broker_address(through), deadline, "admin");
    if (!kafka.ok()) return std::nullopt;
    auto answer = client::create_topic(**kafka, name, partitions, {}, deadline);
    if (!answer.ok()) return std::nullopt;
    return *answer;
}

client::Bytes bytes(const std::string& text) { return client::Bytes(text.begin(), text.end()); }
std::string text(const std::optional<client::Bytes>& bytes) {
    return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

}  // namespace

ClusterClients::ClusterClients(ClientParameters parameters, std::vector<Address> bootstrap)
    : parameters_(parameters), bootstrap_(std::move(bootstrap)) {}

void ClusterClients::admin(Environment& env) {
    int next_topic = 0;
    int turn = static_cast<int>(env.random.uniform(kNodes));
    while (working_) {
        int through = turn++ % kNodes + 1;
        bool again = !attempted_.empty() && (next_topic >= kTopicsMax || env.random.chance(1, 3));
        std::string name;
        if (again) {
            name = attempted_[env.random.uniform(attempted_.size())];
        } else {
            name = fmt::format("t{}", next_topic++);
            attempted_.push_back(name);
            partitions_[name] =
                static_cast<int32_t>(env.random.between(1, parameters_.partitions_max));
        }
        std::optional<KafkaError> answer =
            create_through(env, through, name, partitions_[name], seconds(3));  // May suspend.
        if (answer) checker_.create_answered(name, partitions_[name], *answer);
        env.clock.sleep_for(milliseconds(env.random.between(10, parameters_.create_pause_max_ms)));
    }
}

void ClusterClients::producer(Environment& env) {
    client::ProducerConfig config;
    config.cluster = drawn_cluster_config(env.random, bootstrap_, "p1", kRequestTimeoutMaxMs);
    config.cluster.allow_auto_create_topics = false;
    config.acks = -1;
    config.linger = milliseconds(env.random.between(0, 20));
    config.delivery_timeout = seconds(10);
    config.max_block = seconds(1);
    client::Producer producer(env, config);
    uint64_t sequence = 0;
    while (working_) {
        const std::map<std::string, int32_t>& topics = checker_.topics();
        if (topics.empty()) {
            env.clock.sleep_for(milliseconds(100));
            continue;
        }
        auto topic = std::next(topics.begin(),
                               static_cast<std::ptrdiff_t>(env.random.uniform(topics.size())));
        std::string value = fmt::format("p1-{}", sequence++);
        client::ProducerRecord record{
            .topic = topic->first,
            .partition = PartitionId(
                static_cast<int32_t>(env.random.uniform(static_cast<uint64_t>(topic->second)))),
            .value = bytes(value)};
        auto sent =
            producer.send(std::move(record), [this, value](const client::DeliveryReport& report) {
                if (report.ok())
                    checker_.acknowledged({report.topic, report.partition}, report.offset, value);
            });  // May suspend.
        if (!sent) env.clock.sleep_for(milliseconds(50));
        env.clock.sleep_for(milliseconds(env.random.between(1, parameters_.produce_pause_max_ms)));
    }
    (void)producer.flush(env.clock.now() + seconds(20));  // May suspend.
    producer.close(env.clock.now() + seconds(5));
    producer_closed_ = true;
}

void ClusterClients::prober(Environment& env, sim::Simulation& sim, Instant start,
                            std::vector<FenceProbe> probes) {
    for (const FenceProbe& probe : probes) {
        if (sim.now() < start + probe.at) env.clock.sleep_for(start + probe.at - sim.now());
        if (!working_) return;
        for (int asked = 1; asked <= kNodes; ++asked) {
            if (asked == probe.down) continue;
            std::optional<MetadataResponse> answer = metadata_of(env, asked, milliseconds(500));
            if (answer) checker_.fence_probe(probe.down, asked, *answer);
            node::KraftNode* node = nodes_[asked];
            if (node != nullptr && node->quorum() != nullptr) {
                checker_.fence_probe(probe.down, asked, node->quorum()->metadata().image());
            }
        }
    }
}

std::string ClusterClients::unrecovered(int asked, const MetadataResponse& metadata) const {
    std::set<int32_t> brokers;
    for (const auto& broker : metadata.brokers) brokers.insert(broker.node_id);
    if (brokers.size() != static_cast<std::size_t>(kNodes)) {
        return fmt::format("n{} lists {} brokers", asked, brokers.size());
    }
    std::map<std::string, const MetadataResponse::MetadataResponseTopic*> listed;
    for (const auto& topic : metadata.topics) {
        if (topic.name && topic.error_code == 0) listed[*topic.name] = &topic;
    }
    for (const auto& [name, partitions] : checker_.topics()) {
        auto topic = listed.find(name);
        if (topic == listed.end()) return fmt::format("n{} lacks {}", asked, name);
        // A command's records are one metadata-log entry, applied whole: a topic listed with
        // fewer partitions than asked was committed so (the bug seeds 47, 187 and 938 found).
        if (topic->second->partitions.size() != static_cast<std::size_t>(partitions)) {
            return fmt::format("n{} lists {} with {} of {} partitions", asked, name,
                               topic->second->partitions.size(), partitions);
        }
        for (const auto& partition : topic->second->partitions) {
            if (partition.leader_id < 0) {
                return fmt::format("n{}: {}-{} has no leader", asked, name,
                                   partition.partition_index);
            }
        }
    }
    return {};
}

std::optional<std::string> ClusterClients::wait_recovered(Environment& env, Duration bound) {
    Instant end = env.clock.now() + bound;
    std::string why;
    while (env.clock.now() < end) {
        why.clear();
        // Its own lifecycle, not only Metadata: a restarted node's previous incarnation stays
        // listed until its session expires, while the new one waits to register.
        for (int index = 1; index <= kNodes && why.empty(); ++index) {
            node::KraftNode* node = nodes_[index];
            if (node == nullptr || node->lifecycle() == nullptr || node->lifecycle()->fenced()) {
                why = fmt::format("n{} is not running unfenced", index);
            }
        }
        for (int asked = 1; asked <= kNodes && why.empty(); ++asked) {
            std::optional<MetadataResponse> answer = metadata_of(env, asked, seconds(1));
            why = answer ? unrecovered(asked, *answer) : fmt::format("no Metadata from n{}", asked);
        }
        if (why.empty()) return std::nullopt;
        env.clock.sleep_for(milliseconds(200));
    }
    // Still judged where it can be: a topic listed everywhere without some of its partitions is
    // committed so, not slow.
    for (int asked = 1; asked <= kNodes; ++asked) {
        std::optional<MetadataResponse> answer = metadata_of(env, asked, seconds(1));
        if (answer) checker_.partition_counts(asked, *answer);
    }
    return fmt::format("the cluster did not recover within {} ms: {}", to_ms(bound), why);
}

std::optional<std::string> ClusterClients::create_settled(Environment& env, const std::string& name,
                                                          int32_t partitions, Duration bound) {
    Instant end = env.clock.now() + bound;
    for (int through = 1; env.clock.now() < end; through = through % kNodes + 1) {
        std::optional<KafkaError> answer =
            create_through(env, through, name, partitions, seconds(3));
        if (answer == KafkaError::none || answer == KafkaError::topic_already_exists) {
            checker_.create_answered(name, partitions, *answer);
            return std::nullopt;
        }
        env.clock.sleep_for(milliseconds(200));
    }
    return fmt::format("CreateTopics of {} got no answer that settles it within {} ms", name,
                       to_ms(bound));
}

std::optional<std::string> ClusterClients::check_recovered(Environment& env) {
    if (auto failure = wait_recovered(env, kRecoveryBound)) return failure;
    for (int asked = 1; asked <= kNodes; ++asked) {
        std::optional<MetadataResponse> answer = metadata_of(env, asked, seconds(1));
        if (!answer) return fmt::format("no Metadata from n{} once recovered", asked);
        checker_.cluster_metadata(asked, *answer);
    }
    for (const auto& [name, partitions] : checker_.topics()) {
        for (const auto& [index, node] : nodes_) {
            if (node == nullptr || node->quorum() == nullptr) continue;
            const metadata::TopicImage* topic = node->quorum()->metadata().image().topic(name);
            checker_.topic_id(index, name, topic ? std::optional(topic->id) : std::nullopt);
        }
    }
    // All three brokers are unfenced (each lists all three): the new topic is spread over them.
    partitions_[kSpreadTopic] = kSpreadPartitions;
    if (auto failure = create_settled(env, kSpreadTopic, kSpreadPartitions, kCreateBound)) {
        return failure;
    }
    if (auto failure = wait_recovered(env, kRecoveryBound)) return failure;
    std::optional<MetadataResponse> answer = metadata_of(env, 1, seconds(1));
    if (!answer) return "no Metadata from n1 after the spread topic";
    for (const auto& topic : answer->topics) {
        if (topic.name == kSpreadTopic) checker_.spread_over(topic, {1, 2, 3});
    }
    return std::nullopt;
}

std::optional<std::string> ClusterClients::produce_to_every_partition(Environment& env) {
    client::ProducerConfig config;
    config.cluster = drawn_cluster_config(env.random, bootstrap_, "final", kRequestTimeoutMaxMs);
    config.cluster.allow_auto_create_topics = false;
    config.acks = -1;
    config.delivery_timeout = kProduceBound;
    client::Producer producer(env, config);
    std::optional<std::string> failure;
    for (const auto& [name, partitions] : checker_.topics()) {
        for (int32_t p = 0; p < partitions; ++p) {
            std::string value = fmt::format("final-{}-{}", name, p);
            auto sent = producer.send(
                {.topic = name, .partition = PartitionId(p), .value = bytes(value)},
                [this, value, &failure](const client::DeliveryReport& report) {
                    client::TopicPartition tp{report.topic, report.partition};
                    if (!report.ok()) {
                        if (!failure) {
                            failure = fmt::format("{} unreachable: {}", tp.to_string(),
                                                  report.error->describe());
                        }
                        return;
                    }
                    checker_.acknowledged(tp, report.offset, value);
                    final_offsets_[tp] = report.offset;
                });  // May suspend.
            if (!sent) {
                return fmt::format("final record to {}-{}: {}", name, p, sent.error().describe());
            }
        }
    }
    Result<void> flushed = producer.flush(env.clock.now() + kProduceBound);  // May suspend.
    producer.close(env.clock.now() + seconds(1));
    if (failure) return failure;
    if (!flushed.ok()) return "final records: " + flushed.error().describe();
    return std::nullopt;
}

std::optional<std::string> ClusterClients::read_back(Environment& env) {
    client::ConsumerConfig config;
    config.cluster = drawn_cluster_config(env.random, bootstrap_, "reader", kRequestTimeoutMaxMs);
    config.cluster.allow_auto_create_topics = false;
    config.fetch_max_wait = milliseconds(10);
    client::Consumer consumer(env, config);
    std::vector<client::TopicPartition> partitions;
    for (const auto& [tp, offset] : final_offsets_) partitions.push_back(tp);
    consumer.assign(partitions);
    for (const client::TopicPartition& tp : partitions) {
        if (Result<void> sought = consumer.seek(tp, Offset(0)); !sought.ok()) {
            return "read-back: " + sought.error().describe();
        }
    }
    std::set<client::TopicPartition> done;
    Instant end = env.clock.now() + kReadBound;
    while (done.size() < partitions.size()) {
        if (env.clock.now() > end) {
            return fmt::format("read-back: {} of {} partitions read to their final record in {} ms",
                               done.size(), partitions.size(), to_ms(kReadBound));
        }
        auto polled = consumer.poll(env.clock.now() + milliseconds(500));  // May suspend.
        if (!polled.ok()) {
            if (polled.error().code() == ErrorCode::corruption) {
                checker_.fail("read-back: " + polled.error().describe());
                return std::nullopt;
            }
            continue;
        }
        for (const client::ConsumerRecord& record : *polled) {
            client::TopicPartition tp{record.topic, record.partition};
            checker_.read(tp, record.offset, text(record.value));
            if (record.offset >= final_offsets_.at(tp)) done.insert(tp);
        }
    }
    consumer.close();
    checker_.check_unread();
    return std::nullopt;
}

std::optional<std::string> ClusterClients::check_after_last_crash(Environment& env) {
    if (auto failure = wait_recovered(env, kRecoveryBound)) return failure;
    // A controller that decided before catching up would create them again.
    std::map<std::string, int32_t> topics = checker_.topics();
    for (const auto& [name, partitions] : topics) {
        if (auto failure = create_settled(env, name, partitions, kCreateBound)) return failure;
    }
    if (auto failure = produce_to_every_partition(env)) return failure;
    return read_back(env);
}

}  // namespace brook::scenarios
