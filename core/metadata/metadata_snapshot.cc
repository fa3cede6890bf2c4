#include "core/metadata/metadata_snapshot.h"

#include <fmt/format.h>

#include <span>

#include "core/metadata/metadata_record_codec.h"

namespace brook::metadata {

std::vector<MetadataRecord> MetadataImage::to_records() const {
    std::vector<MetadataRecord> records;
    // metadata.version first, as in Kafka's snapshots: it says how to read the rest.
    if (auto version = metadata_version()) {
        records.push_back(FeatureLevelRecord{std::string(kMetadataVersionFeature), *version});
    }
    for (const auto& [name, level] : features_) {
        if (name != kMetadataVersionFeature) records.push_back(FeatureLevelRecord{name, level});
    }
    for (const auto& [id, broker] : brokers_) {
        records.push_back(RegisterBrokerRecord{id, broker.incarnation_id, broker.epoch,
                                               broker.endpoints, broker.features, broker.rack,
                                               broker.fenced, broker.in_controlled_shutdown});
    }
    for (const auto& [id, topic] : topics_) {
        records.push_back(TopicRecord{topic.name, id});
        for (const auto& [partition, state] : topic.partitions) {
            records.push_back(PartitionRecord{partition, id, state.replicas, state.isr,
                                              state.leader, state.leader_epoch,
                                              state.partition_epoch});
        }
    }
    for (const auto& [resource, entries] : configs_) {
        for (const auto& [name, value] : entries) {
            records.push_back(ConfigRecord{resource.type, resource.name, name, value});
        }
    }
    if (producer_ids_) records.push_back(*producer_ids_);
    return records;
}

Result<MetadataImage> MetadataImage::from_records(const std::vector<MetadataRecord>& records,
                                                  Offset end_offset) {
    MetadataImage image;
    for (std::size_t i = 0; i < records.size(); ++i) {
        auto applied = image.apply_record(records[i]);
        if (!applied) {
            return std::move(applied).error().wrap(
                fmt::format("snapshot record {} ({})", i, record_name(records[i])));
        }
    }
    image.applied_offset_ = end_offset - 1;
    return image;
}

std::string encode_snapshot(const MetadataImage& image) {
    std::vector<uint8_t> bytes = encode_record_list(image.to_records());
    return std::string(bytes.begin(), bytes.end());
}

Result<MetadataImage> decode_snapshot(std::string_view bytes, Offset end_offset) {
    auto records = decode_record_list(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    if (!records) return std::move(records).error().wrap("snapshot");
    return MetadataImage::from_records(*records, end_offset);
}

}  // namespace brook::metadata
