#include "core/protocol/frame_assembler.h"

#include <fmt/format.h>

namespace brook::protocol {

std::span<uint8_t> FrameAssembler::space() {
    ASSERT(!complete(), "take() the complete frame first");
    if (!have_size_) return std::span<uint8_t>(size_bytes_).subspan(size_filled_);
    return std::span<uint8_t>(frame_).subspan(filled_);
}

Result<void> FrameAssembler::commit(std::size_t n) {
    if (!have_size_) {
        ASSERT(size_filled_ + n <= size_bytes_.size());
        size_filled_ += n;
        if (size_filled_ < size_bytes_.size()) return {};
        int64_t size = static_cast<int32_t>(
            (uint32_t{size_bytes_[0]} << 24) | (uint32_t{size_bytes_[1]} << 16) |
            (uint32_t{size_bytes_[2]} << 8) | uint32_t{size_bytes_[3]});
        if (size > max_frame_bytes_) {
            return Error(ErrorCode::too_large,
                         fmt::format("frame of {} bytes exceeds the limit of {}", size,
                                     max_frame_bytes_));
        }
        if (size < min_frame_bytes_ || size <= 0) {
            return Error(ErrorCode::corruption,
                         fmt::format("frame size {} is below the minimum of {}", size,
                                     std::max<int64_t>(min_frame_bytes_, 1)));
        }
        have_size_ = true;
        frame_.resize(static_cast<std::size_t>(size));  // allocated only after the check
        filled_ = 0;
        return {};
    }
    ASSERT(filled_ + n <= frame_.size());
    filled_ += n;
    return {};
}

std::vector<uint8_t> FrameAssembler::take() {
    ASSERT(complete(), "take() of an incomplete frame");
    std::vector<uint8_t> frame = std::move(frame_);
    frame_.clear();
    filled_ = 0;
    size_filled_ = 0;
    have_size_ = false;
    return frame;
}

}  // namespace brook::protocol
