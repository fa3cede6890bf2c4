#include "sim/trace.h"

#include <cstring>

namespace brook::sim {
namespace {

// Loads a T from unaligned bytes in the machine's (little-endian) order.
template <typename T>
T load(const char* bytes) {
    T value;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

}  // namespace

Trace::~Trace() {
    if (file_ != nullptr) std::fclose(file_);
}

bool Trace::write_to(const std::string& path) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::fopen(path.c_str(), "w");
    return file_ != nullptr;
}

void Trace::hash_bytes(std::string_view bytes) {
    hash_word(bytes.size());
    const char* data = bytes.data();
    std::size_t size = bytes.size();
    std::size_t offset = 0;
    for (; offset + 8 <= size; offset += 8) hash_word(load<uint64_t>(data + offset));
    std::size_t rest = size - offset;
    if (rest == 0) return;
    // The last one to seven bytes, as the word a little-endian load of them alone would give,
    // but read with fixed-size loads (a memcpy of a variable length is a call into libc).
    const char* tail = data + offset;
    uint64_t word;
    if (size >= 8) {
        // The last eight bytes, shifted past those already hashed.
        word = load<uint64_t>(data + size - 8) >> (8 * (8 - rest));
    } else if (rest >= 4) {
        // Two four-byte loads that may overlap: overlapping bytes land on the same bits.
        word = uint64_t{load<uint32_t>(tail)} |
               uint64_t{load<uint32_t>(tail + rest - 4)} << (8 * (rest - 4));
    } else {
        word = uint64_t{static_cast<unsigned char>(tail[0])} |
               uint64_t{static_cast<unsigned char>(tail[rest / 2])} << (8 * (rest / 2)) |
               uint64_t{static_cast<unsigned char>(tail[rest - 1])} << (8 * (rest - 1));
    }
    hash_word(word);
}

void Trace::begin_line(Instant time, std::string_view actor, std::string_view kind) {
    line_.clear();
    format_instant_to(fmt::appender(line_), time);
    line_.push_back(' ');
    line_.append(actor);
    line_.push_back(' ');
    line_.append(kind);
    line_.push_back(' ');
}

void Trace::end_line() {
    line_.push_back('\n');
    std::string_view text(line_.data(), line_.size());
    if (file_ != nullptr) std::fwrite(text.data(), 1, text.size(), file_);
    if (keep_lines_) lines_.append(text);
}

}  // namespace brook::sim
