#include "core/cluster/meta_properties.h"

#include <array>
#include <charconv>
#include <cstdint>

#include "core/base/check.h"
#include "core/cluster/durable_file.h"

namespace brook::cluster {
namespace {

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t kUuidBytes = 16;
constexpr std::size_t kUuidTextChars = 22;  // ceil(16 * 8 / 6)

}  // namespace

std::string uuid_text(const std::array<uint8_t, 16>& bytes) {
    static_assert(kUuidBytes == 16);
    std::string text;
    uint32_t bits = 0;
    int pending = 0;
    for (uint8_t byte : bytes) {
        bits = (bits << 8) | byte;
        pending += 8;
        while (pending >= 6) {
            pending -= 6;
            text += kBase64Url[(bits >> pending) & 0x3f];
        }
    }
    if (pending > 0) text += kBase64Url[(bits << (6 - pending)) & 0x3f];
    ASSERT(text.size() == kUuidTextChars, "uuid text of {} characters", text.size());
    return text;
}

namespace {

Error corrupt(std::string_view why) {
    return Error(ErrorCode::corruption, fmt::format("{}: {}", kMetaPropertiesPath, why));
}

}  // namespace

std::string meta_properties_text(const MetaProperties& meta) {
    ASSERT(!meta.cluster_id.empty(), "meta.properties without a cluster id");
    std::string text =
        fmt::format("version=1\ncluster.id={}\nnode.id={}\n", meta.cluster_id, meta.node_id);
    if (!meta.directory_id.empty()) text += fmt::format("directory.id={}\n", meta.directory_id);
    return text;
}

Result<MetaProperties> parse_meta_properties(std::string_view text) {
    std::optional<std::string_view> version, cluster_id, node_id, directory_id;
    while (!text.empty()) {
        std::size_t newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
        while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#' || line.front() == '!') continue;
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos) return corrupt(fmt::format("line '{}'", line));
        std::string_view key = line.substr(0, equals);
        std::string_view value = line.substr(equals + 1);
        if (key == "version") version = value;
        if (key == "cluster.id") cluster_id = value;
        if (key == "node.id") node_id = value;
        if (key == "directory.id") directory_id = value;
    }
    if (version != "1") {
        return corrupt(fmt::format("version {} (Brook reads version 1, Kafka's KRaft format)",
                                   version.value_or("missing")));
    }
    if (!cluster_id || cluster_id->empty()) return corrupt("no cluster.id");
    if (!node_id) return corrupt("no node.id");
    int32_t node = -1;
    auto [end, error] = std::from_chars(node_id->data(), node_id->data() + node_id->size(), node);
    if (error != std::errc() || end != node_id->data() + node_id->size() || node < 0) {
        return corrupt(fmt::format("node.id '{}' is not a node id", *node_id));
    }
    MetaProperties meta{std::string(*cluster_id), NodeId(node), ""};
    if (directory_id) {
        if (!is_uuid_text(*directory_id)) {
            return corrupt(fmt::format("directory.id '{}' is not a uuid", *directory_id));
        }
        meta.directory_id = std::string(*directory_id);
    }
    return meta;
}

Result<std::optional<MetaProperties>> read_meta_properties(Disk& disk) {
    TRY_ASSIGN(std::optional<std::string> text, read_durable_file(disk, kMetaPropertiesPath));
    if (!text) return std::optional<MetaProperties>();
    TRY_ASSIGN(MetaProperties meta, parse_meta_properties(*text));
    return std::optional<MetaProperties>(std::move(meta));
}

Result<void> write_meta_properties(Disk& disk, const MetaProperties& meta) {
    return write_file_durably(disk, kMetaPropertiesPath, meta_properties_text(meta));
}

std::array<uint8_t, kUuidBytes> random_uuid(Random& random) {
    while (true) {
        std::array<uint8_t, kUuidBytes> bytes{};
        for (std::size_t half = 0; half < 2; ++half) {
            uint64_t word = random.next();
            for (std::size_t i = 0; i < 8; ++i) {
                bytes[half * 8 + i] = static_cast<uint8_t>(word >> (56 - 8 * i));
            }
        }
        std::array<uint8_t, kUuidBytes> metadata_topic_id{};
        metadata_topic_id.back() = 1;
        bool reserved = bytes == std::array<uint8_t, kUuidBytes>{} || bytes == metadata_topic_id;
        if (!reserved && uuid_text(bytes).front() != '-') return bytes;
    }
}

std::string random_uuid_text(Random& random) { return uuid_text(random_uuid(random)); }

bool is_uuid_text(std::string_view text) {
    if (text.size() != kUuidTextChars) return false;
    return text.find_first_not_of(kBase64Url) == std::string_view::npos;
}

}  // namespace brook::cluster
