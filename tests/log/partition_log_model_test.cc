// Model-based test of PartitionLog on the simulated disk: random appends, reads, rolls,
// retention runs and crash-restarts (a crash keeps a random prefix of unsynced writes and may
// tear the last one), checked after every step against a plain map of offset -> stored bytes.
//
// Properties, after every crash: every batch below the durable end observed before the crash
// is present and byte-identical; offsets are dense and increasing; what vanished is a suffix
// of batches that were never durable (acknowledged-but-not-durable only with flush.messages >
// 1, which the test also draws); the log start never moves back.
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/log/partition_log.h"
#include "tests/bounded_property.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::LogRig;
using testing::make_batch;
using testing::stored_form;

enum class Op { append, read, roll, retention, crash, flush };

struct Step {
    Op op;
    int a;  // append: records; read: offset position (per mille); crash: seed
    int b;  // append: value bytes; read: max bytes
};

rc::Gen<Step> step_generator() {
    return rc::gen::apply(
        [](int kind, int a, int b) {
            static constexpr Op kOps[] = {Op::append, Op::append, Op::append, Op::append,
                                          Op::read,   Op::read,   Op::roll,   Op::retention,
                                          Op::crash,  Op::flush};
            return Step{kOps[kind], a, b};
        },
        rc::gen::inRange(0, 10), rc::gen::inRange(0, 1000), rc::gen::inRange(0, 2000));
}

class ModelRun {
public:
    ModelRun(uint64_t seed, LogConfig config) : rig_(seed), config_(config) {
        rig_.run([&] { log_ = rig_.open(config_); });
    }
    ~ModelRun() {
        rig_.run([&] { log_ = nullptr; });
    }

    void apply(const Step& step) {
        switch (step.op) {
            case Op::append: return append(1 + step.a % 4, static_cast<std::size_t>(step.b % 700));
            case Op::read: return read(step.a, static_cast<std::size_t>(step.b));
            case Op::roll: return rig_.run([&] { MODEL_CHECK(log_->roll().ok()); });
            case Op::retention: return retention();
            case Op::crash: return crash();
            case Op::flush: return rig_.run([&] { MODEL_CHECK(log_->flush().ok()); });
        }
    }

    void check_whole_log() {
        rig_.run([&] {
            MODEL_CHECK(log_->log_start_offset() == start_);
            MODEL_CHECK(log_->log_end_offset() == end());
            Offset offset = start_;
            for (const auto& [base, bytes] : model_) {
                auto read = log_->read(offset, 1);
                MODEL_CHECK(read.ok());
                MODEL_CHECK(read->bytes == bytes);
                offset = read->next_offset;
            }
            MODEL_CHECK(offset == end());
        });
    }

private:
    Offset end() const {
        if (model_.empty()) return start_;
        return RecordBatchView(model_.rbegin()->second).next_offset();
    }

    void append(int records, std::size_t value_bytes) {
        Bytes batch = make_batch(records, value_bytes, next_tag_++);
        rig_.run([&] {
            auto appended = log_->append(batch);
            MODEL_CHECK(appended.ok());
            MODEL_CHECK(appended->base_offset == end());
            MODEL_CHECK(appended->last_offset == end() + (records - 1));
            model_[appended->base_offset] = stored_form(batch, appended->base_offset);
            if (config_.flush_messages == 1) MODEL_CHECK(appended->durable);
        });
    }

    void read(int position_per_mille, std::size_t max_bytes) {
        Offset offset = start_ + (end() - start_) * position_per_mille / 1000;
        rig_.run([&] {
            auto read = log_->read(offset, max_bytes);
            MODEL_CHECK(read.ok());
            if (offset == end()) {
                MODEL_CHECK(read->bytes.empty());
                return;
            }
            // The batch holding `offset`, then the following ones while they fit.
            auto it = std::prev(model_.upper_bound(offset));
            Bytes expected = it->second;
            for (++it; it != model_.end() && expected.size() + it->second.size() <= max_bytes; ++it) {
                expected.insert(expected.end(), it->second.begin(), it->second.end());
            }
            MODEL_CHECK(read->bytes.size() <= expected.size());
            MODEL_CHECK(std::equal(read->bytes.begin(), read->bytes.end(), expected.begin()));
            MODEL_CHECK(read->batches >= 1);
        });
    }

    void retention() {
        rig_.run([&] {
            auto deleted = log_->apply_retention();
            MODEL_CHECK(deleted.ok());
            Offset new_start = log_->log_start_offset();
            MODEL_CHECK(new_start >= start_);
            MODEL_CHECK((new_start == end() || model_.contains(new_start)));
            model_.erase(model_.begin(), model_.lower_bound(new_start));
            start_ = new_start;
        });
    }

    void crash() {
        Offset durable;
        rig_.run([&] {
            durable = log_->durable_end_offset();
            log_ = nullptr;
        });
        rig_.disk.crash();
        rig_.run([&] { log_ = rig_.open(config_); });
        Offset new_end = log_->log_end_offset();
        MODEL_CHECK(log_->log_start_offset() == start_);
        MODEL_CHECK(new_end >= durable);  // nothing durable was lost
        MODEL_CHECK(new_end <= end());
        // Only a suffix of whole batches vanished.
        MODEL_CHECK((new_end == start_ || new_end == end() || model_.contains(new_end)));
        model_.erase(model_.lower_bound(new_end), model_.end());
        check_whole_log();
    }

    LogRig rig_;
    LogConfig config_;
    std::unique_ptr<PartitionLog> log_;
    std::map<Offset, Bytes> model_;  // base offset -> stored bytes
    Offset start_{0};
    uint32_t next_tag_ = 1;
};

TEST_CASE("partition log model: appends, reads, rolls, retention and crashes match a model") {
    brook::testing::bounded_property("log matches model", 60, [] {
        uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
        LogConfig config;
        config.segment_bytes = *rc::gen::inRange<uint64_t>(600, 8000);
        config.index_interval_bytes = *rc::gen::inRange<uint32_t>(1, 3000);
        config.flush_messages = *rc::gen::element<int64_t>(1, 1, 4);
        config.retention_ms = -1;
        config.retention_bytes = *rc::gen::element<int64_t>(-1, 3000, 20000);
        std::vector<Step> steps = *rc::gen::resize(120, rc::gen::container<std::vector<Step>>(
                                                           step_generator()));
        ModelRun run(seed, config);
        for (const Step& step : steps) run.apply(step);
        run.check_whole_log();
    });
}

}  // namespace
}  // namespace brook::log
