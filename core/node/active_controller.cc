#include "core/node/active_controller.h"

#include <string>

#include "core/base/check.h"
#include "core/metadata/metadata_record_codec.h"

namespace brook::node {

using controller::Controller;
using metadata::MetadataRecord;

ActiveController::ActiveController(Environment& env, quorum::QuorumNode& node,
                                   MetadataFollower& follower, ActiveControllerOptions options)
    : env_(env),
      node_(node),
      follower_(follower),
      options_(std::move(options)),
      logger_(env.log_sink, fmt::format("controller/{}", node.raft().id())),
      commands_(env.scheduler),
      wake_(env.scheduler) {
    ASSERT(options_.tick_interval >= kControllerTickIntervalMin, "tick interval {} ms",
           to_ms(options_.tick_interval));
    ASSERT(node.raft().is_voter(), "only a voter can be the active controller");
}

int64_t ActiveController::now_ms() const { return to_ms(env_.clock.now().time_since_epoch()); }

void ActiveController::run() {
    Instant next_tick = env_.clock.now() + options_.tick_interval;
    uint64_t ticked_generation = generation_;
    while (!stopped_) {
        refresh();
        if (bootstrap_wanted_) {
            bootstrap_wanted_ = false;
            (void)execute([](Controller& controller, Offset, int64_t) {
                return controller.bootstrap();
            });  // May suspend.
            continue;
        }
        if (active() && ticked_generation != generation_) {
            // A new controller gives every broker a fresh session from its first tick on.
            ticked_generation = generation_;
            next_tick = env_.clock.now() + options_.tick_interval;
        }
        if (active() && env_.clock.now() >= next_tick) {
            next_tick = env_.clock.now() + options_.tick_interval;
            (void)execute([](Controller& controller, Offset, int64_t now) {
                return controller.tick(now);
            });  // May suspend.
            continue;
        }
        wake_.wait(active() ? next_tick : kNever);  // May suspend.
    }
    deactivate("stopping");
}

void ActiveController::stop() {
    stopped_ = true;
    wake_.notify_all();
}

void ActiveController::notify() { wake_.notify_all(); }

bool ActiveController::still_leading() const {
    return !stopped_ && node_.leading() && node_.raft().epoch() == epoch_;
}

void ActiveController::refresh() {
    if (controller_ && !still_leading()) deactivate("leadership lost");
    if (controller_ || stopped_ || !node_.leading()) return;
    Offset leader_change = node_.raft().epoch_start_offset();
    ASSERT(leader_change >= Offset(0), "a leader without its LeaderChange entry");
    bool caught_up = follower_.applied_offset() >= leader_change;
    if (caught_up || options_.planted_bug == NodePlantedBug::activate_before_catch_up) {
        activate();
    }
}

void ActiveController::activate() {
    ASSERT(!controller_ && node_.leading());
    ASSERT(options_.planted_bug == NodePlantedBug::activate_before_catch_up ||
               follower_.applied_offset() >= node_.raft().epoch_start_offset(),
           "activating at applied offset {} below the LeaderChange entry at {}",
           follower_.applied_offset(), node_.raft().epoch_start_offset());
    epoch_ = node_.raft().epoch();
    controller_ = std::make_unique<Controller>(options_.controller, follower_.image());
    ++generation_;
    bootstrap_wanted_ = !follower_.image().metadata_version().has_value();
    logger_.info("active controller in epoch {} over the metadata up to offset {}", epoch_,
                 follower_.applied_offset());
    wake_.notify_all();
}

void ActiveController::deactivate(std::string_view why) {
    if (!controller_) return;
    controller_.reset();
    ++generation_;
    bootstrap_wanted_ = false;
    logger_.info("no longer the active controller of epoch {}: {}", epoch_, why);
    wake_.notify_all();
}

bool ActiveController::execute(const Command& command) {
    Mutex::Lock lock = commands_.acquire();  // May suspend.
    refresh();
    if (!controller_) return false;
    uint64_t generation = generation_;
    Offset next = node_.log_end_offset();
    std::vector<MetadataRecord> records = command(*controller_, next, now_ms());
    if (records.empty()) return true;
    // One entry holds the whole command, so Raft commits (and a torn write keeps) all of its
    // records or none, and every record reports the entry's offset.
    std::vector<uint8_t> bytes = metadata::encode_record_list(records);
    if (bytes.size() > kCommandBytesMax) {
        // Kafka splits such a command with KIP-868's transaction markers; Brook refuses it. The
        // controller counted its records as written, so it is thrown away and rebuilt from the
        // committed image, as after a lost leadership.
        logger_.error("refusing a command of {} records in {} bytes, above the {} of an entry",
                      records.size(), bytes.size(), kCommandBytesMax);
        deactivate("a command too large for one entry");
        return false;
    }
    quorum::ProposeOutcome proposed = node_.propose({std::string(bytes.begin(), bytes.end())});
    // refresh() just saw the node lead and nothing suspended since: Raft takes the records.
    ASSERT(proposed.first_offset.has_value(), "the leader of epoch {} refused a proposal", epoch_);
    ASSERT(*proposed.first_offset == next, "the command proposed for offset {} landed at {}", next,
           *proposed.first_offset);
    Result<void> replayed = controller_->replay(records, next);
    ASSERT(replayed.ok(), "the controller's own command at {} does not replay: {}", next,
           replayed.error().describe());
    return await_commit(generation, next);  // May suspend.
}

bool ActiveController::await_commit(uint64_t generation, Offset last) {
    while (true) {
        // Leadership first: once it is gone, the entries at these offsets may be another
        // leader's, and the client must ask again (Kafka answers NOT_CONTROLLER too).
        if (generation_ != generation) return false;  // thrown away meanwhile
        if (!still_leading()) {
            deactivate("leadership lost with a command in flight");
            return false;
        }
        if (follower_.applied_offset() >= last) {
            ASSERT(controller_->image().applied_offset() == last,
                   "the controller replayed up to {}, its last command ends at {}",
                   controller_->image().applied_offset(), last);
            return true;
        }
        wake_.wait();  // May suspend.
    }
}

}  // namespace brook::node
