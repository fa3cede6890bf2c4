// Fuzzes what a node reads before it serves: meta.properties (core/cluster/meta_properties.h),
// a partition directory's partition.metadata (core/cluster/partition_metadata.h) and the values
// of the KRaft configuration keys (core/broker/kraft_config.h), with the same bytes. A
// meta.properties text that parses must come back equal from its own text, a partition.metadata
// must name a uuid; every other input, and any value for any KRaft key, must only ever produce
// an error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/check.h"
#include "core/broker/broker_config.h"
#include "core/broker/kraft_config.h"
#include "core/cluster/meta_properties.h"
#include "core/cluster/partition_metadata.h"

using namespace brook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    if (auto meta = cluster::parse_meta_properties(input)) {
        auto again = cluster::parse_meta_properties(cluster::meta_properties_text(*meta));
        ASSERT(again.ok() && *again == *meta, "meta.properties changed in a round trip");
    } else {
        ASSERT(meta.error().code() == ErrorCode::corruption, "{}", meta.error().describe());
    }
    if (auto topic_id = cluster::parse_partition_metadata(input)) {
        ASSERT(cluster::is_uuid_text(*topic_id), "partition.metadata names '{}'", *topic_id);
    } else {
        ASSERT(topic_id.error().code() == ErrorCode::corruption, "{}",
               topic_id.error().describe());
    }
    constexpr std::string_view kKeys[] = {"process.roles",
                                          "controller.quorum.voters",
                                          "controller.quorum.bootstrap.servers",
                                          "controller.listener.names",
                                          "listener.security.protocol.map",
                                          "broker.session.timeout.ms",
                                          "controller.quorum.election.timeout.ms",
                                          "broker.rack",
                                          "metadata.log.dir"};
    broker::KraftConfig kraft;
    for (std::string_view key : kKeys) {
        auto set = kraft.set(key, input);
        ASSERT(set.ok() ? *set : set.error().code() == ErrorCode::invalid_argument, "{}: {}", key,
               set.ok() ? "not a KRaft key" : set.error().describe());
    }
    auto listeners = broker::parse_listeners("listeners", input);
    std::vector<broker::ListenerSpec> none;
    (void)kraft.validate(NodeId(1), listeners.ok() ? *listeners : none, none);
    return 0;
}
