#include "core/cluster/producer_id_store.h"

#include "core/cluster/config_values.h"
#include "core/cluster/durable_file.h"
#include "core/cluster/limits.h"

namespace brook::cluster {
namespace {

constexpr std::string_view kPath = "producer_ids";
constexpr std::string_view kKey = "next.block=";

}  // namespace

Result<void> ProducerIdStore::load() {
    TRY_ASSIGN(std::optional<std::string> text, read_durable_file(disk_, kPath));
    next_ = 0;
    if (text) {
        std::string_view line = *text;
        if (!line.starts_with(kKey)) {
            return Error(ErrorCode::corruption, "producer_ids: expected next.block=");
        }
        line.remove_prefix(kKey.size());
        if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
        Result<int64_t> parsed = parse_config_integer("next.block", line, 0, INT64_MAX / 2);
        if (!parsed) return Error(ErrorCode::corruption, parsed.error().context());
        next_ = *parsed;
    }
    reserved_end_ = next_;
    return {};
}

Result<ProducerId> ProducerIdStore::allocate() {
    Mutex::Lock lock = mutex_.acquire();  // May suspend.
    if (next_ >= reserved_end_) {
        int64_t end = next_ + kProducerIdBlock;
        TRY(write_file_durably(disk_, kPath, fmt::format("{}{}\n", kKey, end)));  // May suspend.
        reserved_end_ = end;
    }
    ASSERT(next_ < reserved_end_);
    return ProducerId(next_++);
}

}  // namespace brook::cluster
