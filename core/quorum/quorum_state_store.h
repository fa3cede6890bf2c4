// Where a quorum node keeps Kafka's quorum-state file ({epoch, voted id, leader id}): the one
// fact that must be durable before a node votes or acts in an epoch. The driver only needs
// load and a durable save; the file's JSON lives with the codec (quorum_state_file.h).
//
//   TRY_ASSIGN(std::optional<raft::QuorumState> state, store.load());   // nullopt: a new node
//   TRY(store.save(ready.quorum_state));                                // durable on return
#pragma once

#include <optional>

#include "core/base/result.h"
#include "core/raft/raft_types.h"

namespace brook::quorum {

class QuorumStateStore {
public:
    virtual ~QuorumStateStore() = default;

    // The state as last saved, nullopt when none was ever saved. An unreadable file is an
    // error, never nullopt: starting afresh could vote twice in an epoch. May suspend.
    virtual Result<std::optional<raft::QuorumState>> load() = 0;

    // Replaces the state; durable when it returns ok (write a temporary file, fsync, rename,
    // fsync the directory). On an error nothing is known about what the disk holds. May suspend.
    virtual Result<void> save(const raft::QuorumState& state) = 0;
};

}  // namespace brook::quorum
