#include "core/cluster/directory_identity.h"

namespace brook::cluster {
namespace {

std::string file_name(const DirectoryExpectation& expected) {
    std::string_view directory = expected.directory;
    while (directory.size() > 1 && directory.back() == '/') directory.remove_suffix(1);
    return fmt::format("{}/{}", directory, kMetaPropertiesPath);
}

}  // namespace

Result<MetaProperties> load_directory_identity(Disk& disk, Random& random,
                                               const DirectoryExpectation& expected) {
    Result<std::optional<MetaProperties>> read = read_meta_properties(disk);
    if (!read) return read.error().wrap(file_name(expected));
    if (!*read) {
        if (!expected.format_if_missing) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("{} not found: {} is not formatted; with process.roles set, "
                                     "run `brook format --config <file> --cluster-id <id>` first",
                                     file_name(expected), expected.directory));
        }
        MetaProperties meta{expected.cluster_id.value_or(random_uuid_text(random)),
                            expected.node_id, random_uuid_text(random)};
        Result<void> written = write_meta_properties(disk, meta);  // May suspend.
        if (!written) return written.error().wrap(file_name(expected));
        return meta;
    }
    MetaProperties meta = std::move(**read);
    if (meta.node_id != expected.node_id) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("{} has node.id={}, but the configuration has node.id={}: the "
                                 "directory belongs to another node",
                                 file_name(expected), meta.node_id, expected.node_id));
    }
    if (expected.cluster_id && meta.cluster_id != *expected.cluster_id) {
        return Error(ErrorCode::invalid_argument,
                     fmt::format("{} has cluster.id={}, but this node's other directories have "
                                 "cluster.id={}: the directory belongs to another cluster",
                                 file_name(expected), meta.cluster_id, *expected.cluster_id));
    }
    if (meta.directory_id.empty()) {
        meta.directory_id = random_uuid_text(random);
        Result<void> written = write_meta_properties(disk, meta);  // May suspend.
        if (!written) return written.error().wrap(file_name(expected));
    }
    return meta;
}

}  // namespace brook::cluster
