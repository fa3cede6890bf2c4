// Fuzzes the leader-epoch checkpoint parser (core/log/leader_epoch_checkpoint.h): any bytes
// either parse into well-ordered entries whose encoding is exactly the input (the format is
// strict), or are corruption; a parsed cache can be built and queried without tripping an
// assertion.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/base/check.h"
#include "core/log/leader_epoch_checkpoint.h"

using namespace brook;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    Result<std::vector<log::EpochEntry>> parsed = log::parse_leader_epoch_checkpoint(input);
    if (!parsed) {
        ASSERT(parsed.error().code() == ErrorCode::corruption, "{}", parsed.error().describe());
        return 0;
    }
    ASSERT(log::encode_leader_epoch_checkpoint(*parsed) == input, "not its own encoding");
    log::LeaderEpochCache cache(*parsed);
    if (!cache.empty()) {
        log::EpochEntry latest = *cache.latest();
        Offset log_end = latest.start_offset + 1;
        ASSERT(cache.end_offset_for(latest.epoch, log_end).end_offset == log_end);
        ASSERT(cache.epoch_for_offset(latest.start_offset) == latest.epoch);
        cache.truncate_from_start(latest.start_offset);
        ASSERT(cache.entries().size() == 1);
        cache.truncate_from_end(latest.start_offset);
        ASSERT(cache.empty());
    }
    return 0;
}
