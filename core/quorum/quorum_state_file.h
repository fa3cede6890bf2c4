// The `quorum-state` file of a metadata-log directory, in Kafka's format: the JSON of
// QuorumStateData v0 (raft/src/main/resources/common/message/QuorumStateData.json) plus the
// `data_version` Kafka's FileQuorumStateStore adds, so a Kafka tool can read Brook's and the
// other way round. Pure formatting and parsing; the driver writes the string durably with
// replace_file_durably (core/io/disk.h) before it acts on the state.
//
//   std::string text = format_quorum_state({state, "cluster-id", {NodeId(1), NodeId(2)}});
//   // {"clusterId":"cluster-id","leaderId":-1,"leaderEpoch":3,"votedId":2,"appliedOffset":0,
//   //  "currentVoters":[{"voterId":1},{"voterId":2}],"data_version":0}
//   TRY_ASSIGN(QuorumStateFile file, parse_quorum_state(text));
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/result.h"
#include "core/raft/raft_types.h"

namespace brook::quorum {

struct QuorumStateFile {
    raft::QuorumState state;
    std::string cluster_id;
    std::vector<raft::NodeId> voters;  // in file order

    bool operator==(const QuorumStateFile&) const = default;
};

// The file's bytes, one line without a newline, as Kafka writes it (appliedOffset is always 0:
// Kafka never uses it either).
std::string format_quorum_state(const QuorumStateFile& file);

// corruption for anything that is not such a JSON object: malformed JSON, a missing leaderId,
// leaderEpoch, votedId or data_version, a value of the wrong type or out of its range (a negative
// epoch, an id below -1), or a data_version other than 0 and 1. Unknown keys are skipped (Kafka's
// v1 adds votedDirectoryId and drops clusterId, which then reads as "").
Result<QuorumStateFile> parse_quorum_state(std::string_view text);

}  // namespace brook::quorum
