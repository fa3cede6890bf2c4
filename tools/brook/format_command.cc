// `brook format` and `brook random-uuid`: Kafka's `kafka-storage format` and
// `kafka-storage random-uuid`. Formatting writes meta.properties (core/cluster/
// meta_properties.h) into the log directory and, when it is another one, metadata.log.dir, so a
// node with process.roles set can start from them (`brook serve` refuses unformatted ones).
#include <fmt/format.h>

#include <cstdio>

#include "core/cluster/meta_properties.h"
#include "disk/posix_disk.h"
#include "tools/brook/arguments.h"
#include "tools/brook/commands.h"
#include "tools/brook/real_runtime.h"
#include "tools/brook/server_properties.h"

namespace brook::tools {
namespace {

constexpr const char* kFormatUsage = R"(usage:
  brook format --config server.properties --cluster-id ID [--override key=value]...
               [--ignore-formatted]
      formats the node's data directories (log.dirs and metadata.log.dir) for a KRaft
      cluster, like kafka-storage format: writes meta.properties with version=1, the cluster
      id, node.id and a new directory id, durably. The configuration must set process.roles.
      Every node of a cluster is formatted with the same cluster id (`brook random-uuid`).
      A directory that is already formatted is an error unless --ignore-formatted is given.
)";

constexpr const char* kRandomUuidUsage = R"(usage:
  brook random-uuid
      prints a new random cluster id (22 characters of URL-safe base64), like
      kafka-storage random-uuid.
)";

int fail(const std::string& message) {
    fmt::print(stderr, "brook format: {}\n", message);
    return 1;
}

// Formats one directory; false (after printing why) when it cannot.
bool format_directory(const std::string& directory, const cluster::MetaProperties& meta,
                      bool ignore_formatted) {
    PosixDisk disk(directory);
    if (Result<void> made = disk.make_directory(""); !made) {
        fail(made.error().describe());
        return false;
    }
    Result<std::optional<cluster::MetaProperties>> found = cluster::read_meta_properties(disk);
    if (!found) {
        fail(found.error().wrap(directory).describe());
        return false;
    }
    if (*found) {
        if (ignore_formatted) {
            fmt::print("{} is already formatted (cluster.id={} node.id={}): left as it is\n",
                       directory, (*found)->cluster_id, (*found)->node_id);
            return true;
        }
        fail(
            fmt::format("log directory {} is already formatted (cluster.id={} node.id={}). Use "
                        "--ignore-formatted to ignore this directory and format the others.",
                        directory, (*found)->cluster_id, (*found)->node_id));
        return false;
    }
    if (Result<void> written = cluster::write_meta_properties(disk, meta); !written) {
        fail(written.error().wrap(directory).describe());
        return false;
    }
    fmt::print("Formatted {}: cluster.id={} node.id={} directory.id={}\n", directory,
               meta.cluster_id, meta.node_id, meta.directory_id);
    return true;
}

}  // namespace

int format_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    if (args.flag("--help")) {
        fmt::print("{}", kFormatUsage);
        return 0;
    }
    std::optional<std::string> config_path = args.value("--config");
    std::optional<std::string> cluster_id = args.value("--cluster-id");
    std::vector<std::string> overrides = args.values("--override");
    bool ignore_formatted = args.flag("--ignore-formatted");
    if (auto problem = args.problem(/*takes_positional=*/true)) {
        fmt::print(stderr, "brook format: {}\n\n{}", *problem, kFormatUsage);
        return 2;
    }
    if (!args.positional().empty() || !config_path || !cluster_id) {
        fmt::print(stderr, "brook format: --config and --cluster-id are required\n\n{}",
                   kFormatUsage);
        return 2;
    }
    if (!cluster::is_uuid_text(*cluster_id)) {
        return fail(
            fmt::format("cluster id '{}' is not a Kafka uuid (22 characters of URL-safe "
                        "base64; `brook random-uuid` makes one)",
                        *cluster_id));
    }
    Result<broker::BrokerConfig> config = load_server_properties(config_path, overrides);
    if (!config) return fail(config.error().context());
    if (!config->kraft.enabled()) {
        return fail(
            fmt::format("{} appears to be for a single-node broker without process.roles; "
                        "formatting is only for KRaft mode (the single-node broker "
                        "formats its directory itself on first start)",
                        *config_path));
    }
    Random random(seed_from_os());
    std::vector<std::string> directories = {config->log_dir};
    const std::string& metadata_dir = config->kraft.metadata_log_dir;
    if (!metadata_dir.empty() && metadata_dir != config->log_dir)
        directories.push_back(metadata_dir);
    for (const std::string& directory : directories) {
        cluster::MetaProperties meta{*cluster_id, config->node_id,
                                     cluster::random_uuid_text(random)};
        if (!format_directory(directory, meta, ignore_formatted)) return 1;
    }
    return 0;
}

int random_uuid_command(int argc, char** argv) {
    Arguments args(argc, argv, 1);
    if (args.flag("--help")) {
        fmt::print("{}", kRandomUuidUsage);
        return 0;
    }
    if (args.unused() || !args.positional().empty()) {
        fmt::print(stderr, "{}", kRandomUuidUsage);
        return 2;
    }
    Random random(seed_from_os());
    fmt::print("{}\n", cluster::random_uuid_text(random));
    return 0;
}

}  // namespace brook::tools
