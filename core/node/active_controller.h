// The controller of a voter while it leads the metadata quorum: a controller::Controller run
// over the QuorumNode, commands one at a time, each answered once its records are committed
// (Kafka's QuorumController as driven by its event queue).
//
//   ActiveController active(env, node, follower, {.controller = options});
//   env.scheduler.spawn("controller", [&] { active.run(); });     // until stop()
//   auto reply = active.run_command<RegisterBrokerReply>([&](Controller& c, Offset next,
//                                                            int64_t now) {
//       return c.register_broker(command, next, now);
//   });                                                               // May suspend.
//   if (!reply) answer(NOT_CONTROLLER);
//
// The rules (each ASSERTed where it happens):
// - Activation. On becoming leader in epoch E the node is not the active controller until its
//   follower has applied everything up to and including the node's own LeaderChange entry of
//   epoch E. Only then does the image hold every entry of earlier leaders; a controller built
//   earlier decides over a stale image and, e.g., creates a topic a second time or hands out a
//   broker id another incarnation holds. Then the Controller is built from a copy of the
//   follower's image and, if that has no metadata.version, bootstrap() is proposed.
// - Commands run one at a time (a Mutex) and hold it until their records are committed, so the
//   controller's image at the start of a command is exactly the committed one. A command is
//   called with the quorum log's end offset as next_offset; its records are proposed as one
//   entry (a list of records, metadata_record_codec.h), which must land at that offset, so Raft
//   commits all of them or none, even across a leader's torn write (Kafka appends a command's
//   records as one atomic batch). They are replayed into the controller at that offset (on
//   append, as Kafka does), and the command answers once the follower applied the entry. A
//   command that returns no records answers at once.
// - Leadership lost (another epoch, the node resigned, stopped or failed) before that: the
//   command answers NOT_CONTROLLER (nullopt) and the controller is thrown away with whatever it
//   replayed that was not committed. Not leading or not yet active: every command is nullopt.
// - While active, tick() runs every tick_interval (half of broker.heartbeat.interval.ms, bounded
//   below) and its fence records are proposed like a command's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/base/logger.h"
#include "core/controller/controller.h"
#include "core/node/metadata_follower.h"
#include "core/quorum/metadata_entry_codec.h"
#include "core/quorum/quorum_node.h"
#include "core/runtime/environment.h"
#include "core/runtime/mutex.h"
#include "core/runtime/wait_queue.h"

namespace brook::node {

// A bug a test switches on to show that the activation rule matters
// (tests/node/quorum_member_test.cc). An option rather than a core/base/planted_bug.h
// switch for the reason QuorumPlantedBug is one: the tests run in release builds, where those
// switches are compiled out. Production code never sets it.
enum class NodePlantedBug : uint8_t {
    none,
    // Builds the controller as soon as the node leads, over whatever the follower applied by
    // then: after a restart of the whole quorum that is nothing, and the controller decides
    // over an empty image.
    activate_before_catch_up,
};

// The most bytes a command's records may take: they must fit in one metadata-log entry. A larger
// command answers NOT_CONTROLLER (and the controller is rebuilt from the committed image).
inline constexpr std::size_t kCommandBytesMax =
    quorum::kEntryBodyMaxBytes - quorum::kEntryBodyFixedBytes;

// The smallest tick interval: a tiny heartbeat interval must not make the controller spin.
inline constexpr Duration kControllerTickIntervalMin = milliseconds(50);

struct ActiveControllerOptions {
    controller::ControllerOptions controller;
    // How often the controller looks for expired broker sessions while active.
    Duration tick_interval = milliseconds(1000);
    NodePlantedBug planted_bug = NodePlantedBug::none;  // tests only
};

class ActiveController {
public:
    // A command: decides over the controller, whose first record will have `next_offset`, at
    // `now_ms`; returns the records to append and leaves its answer in its captures.
    using Command = std::function<std::vector<metadata::MetadataRecord>(
        controller::Controller&, Offset next_offset, int64_t now_ms)>;

    // The node and the follower must outlive this, and the node's state_changed callback and
    // the follower's applies must reach notify().
    ActiveController(Environment& env, quorum::QuorumNode& node, MetadataFollower& follower,
                     ActiveControllerOptions options);
    ActiveController(const ActiveController&) = delete;
    ActiveController& operator=(const ActiveController&) = delete;

    // Watches leadership: activates, bootstraps, ticks, throws the controller away. Returns
    // after stop(). May suspend.
    void run();
    // Ends run() and answers every waiting and later command with NOT_CONTROLLER. Never
    // suspends.
    void stop();
    // Something changed: an entry was applied, a snapshot loaded, the node's role or epoch
    // changed or it stopped. Never suspends.
    void notify();

    // Runs `command` as the rules above say: true once its records are committed and applied
    // (or at once without records), false for NOT_CONTROLLER. May suspend.
    bool execute(const Command& command);

    // execute() for a controller method returning a ControllerResult: its reply, or nullopt for
    // NOT_CONTROLLER. May suspend.
    template <typename Reply>
    std::optional<Reply> run_command(const std::function<controller::ControllerResult<Reply>(
                                         controller::Controller&, Offset, int64_t)>& command) {
        std::optional<Reply> reply;
        bool done = execute([&](controller::Controller& controller, Offset next, int64_t now) {
            controller::ControllerResult<Reply> result = command(controller, next, now);
            reply = std::move(result.reply);
            return std::move(result.records);
        });
        if (!done) return std::nullopt;
        return reply;
    }

    // Whether a controller is active now (leading, caught up, not stopped).
    bool active() const { return controller_ != nullptr; }

private:
    int64_t now_ms() const;
    // Activates or throws away the controller as leadership says. Never suspends.
    void refresh();
    void activate();
    void deactivate(std::string_view why);
    // Leads the epoch the controller was built in, and may still propose.
    bool still_leading() const;
    // Waits for the command's entry at `last` to be applied; false if leadership went first.
    // May suspend.
    bool await_commit(uint64_t generation, Offset last);

    Environment& env_;
    quorum::QuorumNode& node_;
    MetadataFollower& follower_;
    ActiveControllerOptions options_;
    Logger logger_;
    std::unique_ptr<controller::Controller> controller_;
    LeaderEpoch epoch_ = LeaderEpoch(0);
    // Grows with every activation and deactivation: a command that sees it change lost its
    // controller.
    uint64_t generation_ = 0;
    bool bootstrap_wanted_ = false;
    bool stopped_ = false;
    Mutex commands_;
    WaitQueue wake_;
};

}  // namespace brook::node
