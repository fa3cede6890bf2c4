#include "core/metadata/metadata_records.h"

namespace brook::metadata {
namespace {

// Each record's Kafka type id and name, by the record's C++ type.
struct RecordTypeInfo {
    int16_t type;
    std::string_view name;
};

constexpr RecordTypeInfo info(const RegisterBrokerRecord&) { return {0, "RegisterBrokerRecord"}; }
constexpr RecordTypeInfo info(const UnregisterBrokerRecord&) {
    return {1, "UnregisterBrokerRecord"};
}
constexpr RecordTypeInfo info(const TopicRecord&) { return {2, "TopicRecord"}; }
constexpr RecordTypeInfo info(const PartitionRecord&) { return {3, "PartitionRecord"}; }
constexpr RecordTypeInfo info(const ConfigRecord&) { return {4, "ConfigRecord"}; }
constexpr RecordTypeInfo info(const PartitionChangeRecord&) { return {5, "PartitionChangeRecord"}; }
constexpr RecordTypeInfo info(const FenceBrokerRecord&) { return {7, "FenceBrokerRecord"}; }
constexpr RecordTypeInfo info(const UnfenceBrokerRecord&) { return {8, "UnfenceBrokerRecord"}; }
constexpr RecordTypeInfo info(const RemoveTopicRecord&) { return {9, "RemoveTopicRecord"}; }
constexpr RecordTypeInfo info(const FeatureLevelRecord&) { return {12, "FeatureLevelRecord"}; }
constexpr RecordTypeInfo info(const ProducerIdsRecord&) { return {15, "ProducerIdsRecord"}; }
constexpr RecordTypeInfo info(const BrokerRegistrationChangeRecord&) {
    return {17, "BrokerRegistrationChangeRecord"};
}
constexpr RecordTypeInfo info(const NoOpRecord&) { return {20, "NoOpRecord"}; }

RecordTypeInfo info_of(const MetadataRecord& record) {
    return std::visit([](const auto& body) { return info(body); }, record);
}

}  // namespace

int16_t record_type(const MetadataRecord& record) { return info_of(record).type; }

std::string_view record_name(const MetadataRecord& record) { return info_of(record).name; }

}  // namespace brook::metadata
