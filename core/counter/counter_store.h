// The counter's durable state: a small file with two slots, each holding a value and a check word.
//
//   CounterStore store(disk);
//   TRY_ASSIGN(int64_t value, store.load());     // 0 when the file does not exist yet
//   TRY(store.save(value + 1));                   // written and synced: survives a crash
//
// Values alternate between the slots (value % 2), each in its own 512-byte sector. A write that
// fails half-way or is torn by a crash can only damage the slot being written; the other slot
// still holds the previous durable value, and load() takes the highest valid one. This is the
// same trick as a double-buffered superblock.
#pragma once

#include <cstdint>
#include <memory>

#include "core/base/result.h"
#include "core/io/disk.h"

namespace brook::counter {

class CounterStore {
public:
    explicit CounterStore(Disk& disk) : disk_(disk) {}

    // Reads the durable value; corruption when neither slot is valid.
    Result<int64_t> load();
    // Writes `value` and, unless `sync` is false, waits until it is durable. May suspend.
    Result<void> save(int64_t value, bool sync = true);

    static constexpr const char* kFileName = "counter";
    static constexpr uint64_t kSlotBytes = 512;

private:
    Result<void> open_for_writing();

    Disk& disk_;
    std::unique_ptr<File> file_;
};

}  // namespace brook::counter
