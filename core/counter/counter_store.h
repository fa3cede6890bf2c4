// The counter's durable state: one small file holding the value and a check word.
//
//   CounterStore store(disk);
//   TRY_ASSIGN(int64_t value, store.load());     // 0 when the file does not exist yet
//   TRY(store.save(value + 1));                   // written and synced: survives a crash
//
// The file is overwritten in place. Its 16 bytes sit inside one disk sector, so a crash leaves
// either the old or the new contents, never a mix; the check word catches anything else.
#pragma once

#include <cstdint>
#include <memory>

#include "core/base/result.h"
#include "core/io/disk.h"

namespace brook::counter {

class CounterStore {
public:
    explicit CounterStore(Disk& disk) : disk_(disk) {}

    // Reads the durable value; corruption when the check word does not match.
    Result<int64_t> load();
    // Writes `value` and, unless `sync` is false, waits until it is durable. May suspend.
    Result<void> save(int64_t value, bool sync = true);

    static constexpr const char* kFileName = "counter";

private:
    Result<void> open_for_writing();

    Disk& disk_;
    std::unique_ptr<File> file_;
};

}  // namespace brook::counter
