// Hands out producer ids (InitProducerId) that never repeat, across crashes and restarts.
//
//   ProducerIdStore ids(env.disk, env.scheduler);
//   TRY(ids.load());                                   // at start; May suspend
//   TRY_ASSIGN(ProducerId id, ids.allocate());         // May suspend (only per block)
//
// Ids are reserved in blocks of kProducerIdBlock: before the first id of a block is handed out,
// the end of the block is written durably to `producer_ids`. After a crash, allocation resumes
// at that end, skipping whatever the lost block had left: ids may have gaps, never repeats.
#pragma once

#include "core/base/result.h"
#include "core/base/strong_type.h"
#include "core/io/disk.h"
#include "core/runtime/mutex.h"

namespace brook::cluster {

class ProducerIdStore {
public:
    ProducerIdStore(Disk& disk, Scheduler& scheduler) : disk_(disk), mutex_(scheduler) {}

    // Reads the reservation. May suspend.
    Result<void> load();
    // The next id. May suspend.
    Result<ProducerId> allocate();

private:
    Disk& disk_;
    Mutex mutex_;
    int64_t next_ = 0;
    int64_t reserved_end_ = 0;  // ids below this are covered by the durable reservation
};

}  // namespace brook::cluster
