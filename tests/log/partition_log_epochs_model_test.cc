// Model-based property of the leader-epoch cache through PartitionLog: random appends in rising
// epochs (as a leader and as a follower), truncations, full truncations, rolls and crashes with
// reopen. After every step the log's cache equals the one derived from the model's batches,
// and end_offset_for agrees with a direct reading of the model for every epoch.
#include <rapidcheck.h>

#include <catch2/catch.hpp>
#include <stdexcept>

#include "core/log/partition_log.h"
#include "tests/bounded_property.h"
#include "tests/log/log_rig.h"

namespace brook::log {
namespace {

using testing::leader_batch;
using testing::LogRig;
using testing::make_batch;

enum class EpochOp { append, replicate, new_epoch, truncate, truncate_fully, roll, crash };

struct EpochStep {
    EpochOp op;
    int a;
};

struct ModelBatch {
    Offset base;
    Offset next;
    LeaderEpoch epoch;
};

class EpochModelRun {
public:
    EpochModelRun(uint64_t seed, LogConfig config) : rig_(seed), config_(config) {
        rig_.run([&] { log_ = rig_.open(config_); });
    }
    ~EpochModelRun() {
        rig_.run([&] { log_ = nullptr; });
    }

    void apply(const EpochStep& step) {
        rig_.run([&] {
            switch (step.op) {
                case EpochOp::append: return append(1 + step.a % 3);
                case EpochOp::replicate: return replicate(1 + step.a % 3);
                case EpochOp::new_epoch: return new_epoch(1 + step.a % 2);
                case EpochOp::truncate: return truncate(step.a);
                case EpochOp::truncate_fully: return truncate_fully(step.a % 5);
                case EpochOp::roll: MODEL_CHECK(log_->roll().ok()); return;
                case EpochOp::crash: return;
            }
        });
        if (step.op == EpochOp::crash) crash();
        rig_.run([&] { check(); });
    }

private:
    Offset end() const { return batches_.empty() ? start_ : batches_.back().next; }

    void append(int records) {
        auto appended = log_->append(make_batch(records, 50, 1));
        MODEL_CHECK(appended.ok());
        MODEL_CHECK(appended->base_offset == end());
        batches_.push_back({end(), end() + records, epoch_});
    }

    void replicate(int records) {
        auto appended = log_->append_replicated(leader_batch(end(), epoch_, records));
        MODEL_CHECK(appended.ok());
        batches_.push_back({end(), end() + records, epoch_});
    }

    void new_epoch(int step) {
        epoch_ = epoch_ + step;
        log_->set_leader_epoch(epoch_);
    }

    void truncate(int per_mille) {
        Offset target = start_ + (end() - start_) * per_mille / 1000;
        auto cut = log_->truncate_to(target);
        MODEL_CHECK(cut.ok());
        while (!batches_.empty() && batches_.back().next > target) batches_.pop_back();
        MODEL_CHECK(*cut == end());
    }

    void truncate_fully(int beyond) {
        Offset start = end() + beyond;
        MODEL_CHECK(log_->truncate_fully_and_start_at(start).ok());
        batches_.clear();
        start_ = start;
    }

    void crash() {
        Offset durable;
        rig_.run([&] {
            durable = log_->durable_end_offset();
            log_ = nullptr;
        });
        rig_.disk.crash();
        rig_.run([&] {
            log_ = rig_.open(config_, epoch_);
            MODEL_CHECK(log_->log_start_offset() == start_);
            Offset recovered = log_->log_end_offset();
            MODEL_CHECK(recovered >= durable && recovered <= end());
            while (!batches_.empty() && batches_.back().next > recovered) batches_.pop_back();
            MODEL_CHECK(recovered == end());
        });
    }

    LeaderEpochCache derived_cache() const {
        LeaderEpochCache cache;
        for (const ModelBatch& batch : batches_) cache.assign(batch.epoch, batch.base);
        return cache;
    }

    // OffsetForLeaderEpoch read straight off the batches (Kafka's endOffsetFor, restated).
    EpochEndOffset model_end_offset_for(LeaderEpoch requested) const {
        if (requested == kUndefinedEpoch || batches_.empty()) return {};
        LeaderEpoch latest = batches_.back().epoch;
        if (requested == latest) return {requested, end()};
        if (requested > latest) return {};
        std::optional<LeaderEpoch> floor;
        for (const ModelBatch& batch : batches_) {
            if (batch.epoch > requested) return {floor.value_or(requested), batch.base};
            floor = batch.epoch;
        }
        return {};  // unreachable: the latest epoch is above `requested`
    }

    void check() {
        MODEL_CHECK(log_->log_start_offset() == start_);
        MODEL_CHECK(log_->log_end_offset() == end());
        MODEL_CHECK(log_->leader_epochs().entries() == derived_cache().entries());
        for (int32_t epoch = -1; epoch <= epoch_.value() + 1; ++epoch) {
            MODEL_CHECK(log_->leader_epochs().end_offset_for(LeaderEpoch(epoch), end()) ==
                        model_end_offset_for(LeaderEpoch(epoch)));
        }
        for (const ModelBatch& batch : batches_) {
            MODEL_CHECK(log_->epoch_for_offset(batch.next - 1) == batch.epoch);
        }
    }

    LogRig rig_;
    LogConfig config_;
    std::unique_ptr<PartitionLog> log_;
    std::vector<ModelBatch> batches_;
    Offset start_{0};
    LeaderEpoch epoch_{0};
};

TEST_CASE("partition log epochs: the cache matches a model through truncations and crashes") {
    brook::testing::bounded_property("epoch cache model", 60, [] {
        LogConfig config;
        config.segment_bytes = *rc::gen::inRange<uint64_t>(300, 2000);
        config.index_interval_bytes = 128;
        config.retention_ms = -1;
        config.flush_messages = *rc::gen::element<int64_t>(1, 1, 4);
        config.flush_ms = 1'000'000;
        uint64_t seed = *rc::gen::inRange<uint64_t>(1, 1'000'000);
        auto steps = *rc::gen::container<std::vector<EpochStep>>(rc::gen::apply(
            [](int kind, int a) {
                static constexpr EpochOp kOps[] = {
                    EpochOp::append,    EpochOp::append,         EpochOp::append,
                    EpochOp::replicate, EpochOp::new_epoch,      EpochOp::new_epoch,
                    EpochOp::truncate,  EpochOp::truncate_fully, EpochOp::roll,
                    EpochOp::crash,     EpochOp::crash};
                return EpochStep{kOps[kind], a};
            },
            rc::gen::inRange(0, 11), rc::gen::inRange(0, 1001)));
        EpochModelRun run(seed, config);
        for (const EpochStep& step : steps) run.apply(step);
    });
}

}  // namespace
}  // namespace brook::log
