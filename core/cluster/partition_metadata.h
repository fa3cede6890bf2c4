// Kafka's `partition.metadata` file: which topic, by id, a partition directory belongs to. A
// topic deleted and re-created under the same name keeps its name but gets a new id, so a
// directory left behind by the old topic (its deletion not yet applied on this node) is told
// apart from the new topic's and never opened as it (Kafka's PartitionMetadataFile, KIP-516).
//
//   TRY(write_partition_metadata(disk, "orders-0", topic_id));       // May suspend
//   TRY_ASSIGN(std::optional<std::string> id, read_partition_topic_id(disk, "orders-0"));
//   if (id && *id != uuid_text(topic_id)) ...   // the directory is an older topic's
//
// Format, as Kafka writes it: "version: 0\ntopic_id: <uuid text>\n". Written with
// replace_file_durably into the partition's directory, which must exist.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/cluster/cluster_view.h"
#include "core/io/disk.h"

namespace brook::cluster {

inline constexpr std::string_view kPartitionMetadataFile = "partition.metadata";

std::string partition_metadata_text(const TopicId& topic_id);
// The topic id's text form the file names; corruption for anything else.
Result<std::string> parse_partition_metadata(std::string_view text);

// Writes `<directory>/partition.metadata` durably. May suspend.
Result<void> write_partition_metadata(Disk& disk, std::string_view directory,
                                      const TopicId& topic_id);
// The topic id text in `<directory>/partition.metadata`; nullopt when there is no such file.
// May suspend.
Result<std::optional<std::string>> read_partition_topic_id(Disk& disk,
                                                           std::string_view directory);

}  // namespace brook::cluster
