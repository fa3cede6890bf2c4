// RapidCheck generators of every metadata record type, for the round-trip properties.
//
//   for (const rc::Gen<MetadataRecord>& type : record_generators()) ...   // one per type
//   MetadataRecord record = *arbitrary_record();                          // any type
#pragma once

#include <rapidcheck.h>

#include <vector>

#include "core/metadata/metadata_records.h"

namespace brook::metadata::testing {

inline rc::Gen<Uuid> arbitrary_uuid() { return rc::gen::arbitrary<Uuid>(); }

inline rc::Gen<NodeId> arbitrary_node() {
    return rc::gen::map(rc::gen::inRange<int32_t>(-2, 50), [](int32_t id) { return NodeId(id); });
}

inline rc::Gen<std::vector<NodeId>> arbitrary_nodes() {
    return rc::gen::container<std::vector<NodeId>>(arbitrary_node());
}

template <typename T>
rc::Gen<std::optional<T>> maybe(rc::Gen<T> value) {
    return rc::gen::oneOf(rc::gen::just(std::optional<T>()),
                          rc::gen::map(value, [](T v) { return std::optional<T>(std::move(v)); }));
}

inline rc::Gen<BrokerEpoch> arbitrary_epoch() {
    return rc::gen::map(rc::gen::arbitrary<int64_t>(), [](int64_t e) { return BrokerEpoch(e); });
}

inline std::vector<rc::Gen<MetadataRecord>> record_generators() {
    using rc::gen::arbitrary;
    auto text = arbitrary<std::string>();
    auto as_record = [](auto gen) {
        return rc::gen::map(gen, [](auto body) { return MetadataRecord(std::move(body)); });
    };
    return {
        as_record(rc::gen::build<RegisterBrokerRecord>(
            rc::gen::set(&RegisterBrokerRecord::broker_id, arbitrary_node()),
            rc::gen::set(&RegisterBrokerRecord::incarnation_id, arbitrary_uuid()),
            rc::gen::set(&RegisterBrokerRecord::broker_epoch, arbitrary_epoch()),
            rc::gen::set(
                &RegisterBrokerRecord::endpoints,
                rc::gen::container<std::vector<BrokerEndpoint>>(rc::gen::build<BrokerEndpoint>(
                    rc::gen::set(&BrokerEndpoint::name, text),
                    rc::gen::set(&BrokerEndpoint::host, text),
                    rc::gen::set(&BrokerEndpoint::port, arbitrary<uint16_t>()),
                    rc::gen::set(&BrokerEndpoint::security_protocol, arbitrary<int16_t>())))),
            rc::gen::set(
                &RegisterBrokerRecord::features,
                rc::gen::container<std::vector<BrokerFeature>>(rc::gen::build<BrokerFeature>(
                    rc::gen::set(&BrokerFeature::name, text),
                    rc::gen::set(&BrokerFeature::min_supported_version, arbitrary<int16_t>()),
                    rc::gen::set(&BrokerFeature::max_supported_version, arbitrary<int16_t>())))),
            rc::gen::set(&RegisterBrokerRecord::rack, maybe(text)),
            rc::gen::set(&RegisterBrokerRecord::fenced, arbitrary<bool>()),
            rc::gen::set(&RegisterBrokerRecord::in_controlled_shutdown, arbitrary<bool>()))),
        as_record(rc::gen::build<UnregisterBrokerRecord>(
            rc::gen::set(&UnregisterBrokerRecord::broker_id, arbitrary_node()),
            rc::gen::set(&UnregisterBrokerRecord::broker_epoch, arbitrary_epoch()))),
        as_record(
            rc::gen::build<TopicRecord>(rc::gen::set(&TopicRecord::name, text),
                                        rc::gen::set(&TopicRecord::topic_id, arbitrary_uuid()))),
        as_record(rc::gen::build<PartitionRecord>(
            rc::gen::set(
                &PartitionRecord::partition_id,
                rc::gen::map(arbitrary<int32_t>(), [](int32_t p) { return PartitionId(p); })),
            rc::gen::set(&PartitionRecord::topic_id, arbitrary_uuid()),
            rc::gen::set(&PartitionRecord::replicas, arbitrary_nodes()),
            rc::gen::set(&PartitionRecord::isr, arbitrary_nodes()),
            rc::gen::set(&PartitionRecord::leader, arbitrary_node()),
            rc::gen::set(
                &PartitionRecord::leader_epoch,
                rc::gen::map(arbitrary<int32_t>(), [](int32_t e) { return LeaderEpoch(e); })),
            rc::gen::set(
                &PartitionRecord::partition_epoch,
                rc::gen::map(arbitrary<int32_t>(), [](int32_t e) { return PartitionEpoch(e); })))),
        as_record(rc::gen::build<ConfigRecord>(
            rc::gen::set(&ConfigRecord::resource_type,
                         rc::gen::map(arbitrary<int8_t>(),
                                      [](int8_t t) { return static_cast<ConfigResourceType>(t); })),
            rc::gen::set(&ConfigRecord::resource_name, text),
            rc::gen::set(&ConfigRecord::name, text),
            rc::gen::set(&ConfigRecord::value, maybe(text)))),
        as_record(rc::gen::build<PartitionChangeRecord>(
            rc::gen::set(
                &PartitionChangeRecord::partition_id,
                rc::gen::map(arbitrary<int32_t>(), [](int32_t p) { return PartitionId(p); })),
            rc::gen::set(&PartitionChangeRecord::topic_id, arbitrary_uuid()),
            rc::gen::set(&PartitionChangeRecord::isr, maybe(arbitrary_nodes())),
            rc::gen::set(&PartitionChangeRecord::leader, arbitrary_node()),
            rc::gen::set(&PartitionChangeRecord::replicas, maybe(arbitrary_nodes())))),
        as_record(rc::gen::build<FenceBrokerRecord>(
            rc::gen::set(&FenceBrokerRecord::id, arbitrary_node()),
            rc::gen::set(&FenceBrokerRecord::epoch, arbitrary_epoch()))),
        as_record(rc::gen::build<UnfenceBrokerRecord>(
            rc::gen::set(&UnfenceBrokerRecord::id, arbitrary_node()),
            rc::gen::set(&UnfenceBrokerRecord::epoch, arbitrary_epoch()))),
        as_record(rc::gen::build<RemoveTopicRecord>(
            rc::gen::set(&RemoveTopicRecord::topic_id, arbitrary_uuid()))),
        as_record(rc::gen::build<FeatureLevelRecord>(
            rc::gen::set(&FeatureLevelRecord::name, text),
            rc::gen::set(&FeatureLevelRecord::feature_level, arbitrary<int16_t>()))),
        as_record(rc::gen::build<ProducerIdsRecord>(
            rc::gen::set(&ProducerIdsRecord::broker_id, arbitrary_node()),
            rc::gen::set(&ProducerIdsRecord::broker_epoch, arbitrary_epoch()),
            rc::gen::set(
                &ProducerIdsRecord::next_producer_id,
                rc::gen::map(arbitrary<int64_t>(), [](int64_t p) { return ProducerId(p); })))),
        as_record(rc::gen::build<BrokerRegistrationChangeRecord>(
            rc::gen::set(&BrokerRegistrationChangeRecord::broker_id, arbitrary_node()),
            rc::gen::set(&BrokerRegistrationChangeRecord::broker_epoch, arbitrary_epoch()),
            rc::gen::set(&BrokerRegistrationChangeRecord::fenced,
                         rc::gen::element(FencingChange::unfenced, FencingChange::none,
                                          FencingChange::fenced)),
            rc::gen::set(
                &BrokerRegistrationChangeRecord::in_controlled_shutdown,
                rc::gen::element(ShutdownChange::none, ShutdownChange::in_controlled_shutdown)))),
        rc::gen::just(MetadataRecord(NoOpRecord{}))};
}

inline rc::Gen<MetadataRecord> arbitrary_record() {
    return rc::gen::join(rc::gen::elementOf(record_generators()));
}

}  // namespace brook::metadata::testing
