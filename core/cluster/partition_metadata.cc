#include "core/cluster/partition_metadata.h"

#include "core/cluster/limits.h"
#include "core/cluster/meta_properties.h"

namespace brook::cluster {
namespace {

constexpr std::string_view kVersionLine = "version: 0";
constexpr std::string_view kTopicIdKey = "topic_id: ";

std::string path_in(std::string_view directory) {
    return fmt::format("{}/{}", directory, kPartitionMetadataFile);
}

}  // namespace

std::string partition_metadata_text(const TopicId& topic_id) {
    return fmt::format("{}\n{}{}\n", kVersionLine, kTopicIdKey, uuid_text(topic_id));
}

Result<std::string> parse_partition_metadata(std::string_view text) {
    auto corrupt = [&](std::string_view why) {
        return Error(ErrorCode::corruption, fmt::format("{}: {}", kPartitionMetadataFile, why));
    };
    std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos || text.substr(0, newline) != kVersionLine) {
        return corrupt("not version 0");
    }
    std::string_view rest = text.substr(newline + 1);
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.remove_suffix(1);
    if (!rest.starts_with(kTopicIdKey)) return corrupt("no topic_id");
    std::string_view id = rest.substr(kTopicIdKey.size());
    if (!is_uuid_text(id)) return corrupt(fmt::format("topic_id '{}' is not a uuid", id));
    return std::string(id);
}

Result<void> write_partition_metadata(Disk& disk, std::string_view directory,
                                      const TopicId& topic_id) {
    std::string text = partition_metadata_text(topic_id);
    return replace_file_durably(disk, path_in(directory),
                                std::span(reinterpret_cast<const uint8_t*>(text.data()),
                                          text.size()));
}

Result<std::optional<std::string>> read_partition_topic_id(Disk& disk,
                                                           std::string_view directory) {
    TRY_ASSIGN(std::optional<std::string> text,
               read_small_file(disk, path_in(directory), kSmallFileBytesMax));
    if (!text) return std::optional<std::string>();
    TRY_ASSIGN(std::string id, parse_partition_metadata(*text));
    return std::optional<std::string>(std::move(id));
}

}  // namespace brook::cluster
