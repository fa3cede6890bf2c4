// Kafka's framing (a big-endian int32 size, then that many bytes), assembled from a byte stream
// that arrives in pieces of any size. Pure: the caller does the reading, so the same code frames
// requests in the broker and responses in the client, on epoll or in the simulator.
//
//   FrameAssembler frames(max_frame_bytes);
//   while (!frames.complete()) {
//       TRY_ASSIGN(std::size_t n, connection.read(frames.space(), deadline));
//       TRY(frames.commit(n));                 // a bad size prefix fails here
//   }
//   std::vector<uint8_t> frame = frames.take();   // without the size prefix
//
// space() never reaches past the current frame, so no byte of the next frame is consumed, and
// the frame's buffer is allocated only after its size has been checked against the limit: a
// hostile size prefix costs nothing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "core/base/result.h"

namespace brook::protocol {

class FrameAssembler {
public:
    // Frames larger than max_frame_bytes, or smaller than min_frame_bytes, are refused.
    explicit FrameAssembler(int64_t max_frame_bytes, int64_t min_frame_bytes = 0)
        : max_frame_bytes_(max_frame_bytes), min_frame_bytes_(min_frame_bytes) {}

    // Where the next bytes of the stream go; never empty while !complete().
    std::span<uint8_t> space();
    // `n` bytes were written into space(). too_large / corruption for a refused size prefix;
    // the assembler is then unusable (the stream has lost its framing).
    Result<void> commit(std::size_t n);

    bool complete() const { return have_size_ && filled_ == frame_.size(); }
    // Some bytes of a frame arrived, but not all of it.
    bool partial() const { return size_filled_ > 0 && !complete(); }
    // The size announced by the current frame's prefix, or -1 before it is known.
    int64_t announced_bytes() const { return have_size_ ? static_cast<int64_t>(frame_.size()) : -1; }

    // The complete frame; the assembler starts over for the next one.
    std::vector<uint8_t> take();

private:
    int64_t max_frame_bytes_;
    int64_t min_frame_bytes_;
    std::array<uint8_t, 4> size_bytes_{};
    std::size_t size_filled_ = 0;
    bool have_size_ = false;
    std::vector<uint8_t> frame_;
    std::size_t filled_ = 0;
};

}  // namespace brook::protocol
