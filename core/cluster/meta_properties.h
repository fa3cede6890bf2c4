// A data directory's identity: Kafka's meta.properties (version 1, the KRaft format), which says
// which cluster and node the directory belongs to, so a node never serves or votes from a
// directory of another cluster or another node.
//
//   MetaProperties meta{random_uuid_text(random), NodeId(1), random_uuid_text(random)};
//   TRY(write_meta_properties(disk, meta));                 // `brook format`
//   TRY_ASSIGN(std::optional<MetaProperties> found, read_meta_properties(disk));
//
// The file is Java properties text that `kafka-storage info` reads:
//
//   version=1
//   cluster.id=MkU3OEVBNTcwNTJENDM2Qg
//   node.id=1
//   directory.id=J8aAPcfLQt2bqs1JT_rMgQ
//
// written through write_file_durably (core/cluster/durable_file.h), whose trailing
// "#crc32c=..." line is a properties comment to Kafka. It is the only copy of the cluster id
// and node id on disk: the broker's start check (directory_identity.h) and `brook format`
// both go through this file's functions.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/io/disk.h"
#include "core/io/random.h"

namespace brook::cluster {

inline constexpr std::string_view kMetaPropertiesPath = "meta.properties";

struct MetaProperties {
    std::string cluster_id;
    NodeId node_id{0};
    // Kafka's directory id (KIP-858); empty in files written before Brook had one.
    std::string directory_id;

    bool operator==(const MetaProperties&) const = default;
};

// The file's text, keys in a fixed order.
std::string meta_properties_text(const MetaProperties& meta);
// Parses the text; corruption when version is not 1 or cluster.id / node.id is missing or bad.
Result<MetaProperties> parse_meta_properties(std::string_view text);

// nullopt when the directory has no meta.properties.
Result<std::optional<MetaProperties>> read_meta_properties(Disk& disk);
// Replaces meta.properties durably. May suspend.
Result<void> write_meta_properties(Disk& disk, const MetaProperties& meta);

// A random Kafka uuid (Kafka's Uuid.randomUuid): never the zero uuid nor the metadata topic's
// (…01), which Kafka reserves, and never one whose text starts with '-' (it reads as a
// command-line option).
std::array<uint8_t, 16> random_uuid(Random& random);
// random_uuid() in its text form: 16 bytes as 22 characters of URL-safe base64 without padding
// (`kafka-storage random-uuid`).
std::string random_uuid_text(Random& random);
// A uuid's text form (Kafka's Uuid.toString): partition.metadata's topic_id, log lines.
std::string uuid_text(const std::array<uint8_t, 16>& bytes);
// Whether `text` is a Kafka uuid's text form (22 URL-safe base64 characters).
bool is_uuid_text(std::string_view text);

}  // namespace brook::cluster
