// The check a node makes of each data directory before it serves anything from it: the
// directory's meta.properties (meta_properties.h) must name this node and this node's cluster.
//
//   DirectoryExpectation expected{"./data", config.node_id, /*format_if_missing=*/!kraft};
//   TRY_ASSIGN(MetaProperties meta, load_directory_identity(disk, random, expected));
//
// A directory without meta.properties is formatted here only when the node runs without
// process.roles (the single-node broker formats itself on first start, so `brook serve` needs
// no extra step); a node with process.roles refuses it: `brook format` must run first, as with
// `kafka-storage format`. A directory formatted before Brook wrote directory ids gets one.
#pragma once

#include <optional>
#include <string>

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/cluster/meta_properties.h"
#include "core/io/disk.h"
#include "core/io/random.h"

namespace brook::cluster {

struct DirectoryExpectation {
    std::string directory;  // the directory's name as configured, for messages
    NodeId node_id{0};
    bool format_if_missing = false;
    // The cluster id another directory of this node holds, when one was checked before.
    std::optional<std::string> cluster_id;
};

// The directory's identity after the checks; invalid_argument naming the file and both values
// when it belongs to another node or cluster or is not formatted. May suspend.
Result<MetaProperties> load_directory_identity(Disk& disk, Random& random,
                                               const DirectoryExpectation& expected);

}  // namespace brook::cluster
