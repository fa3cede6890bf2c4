#include "sim/trace.h"

#include <cstring>

namespace brook::sim {

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
    std::size_t offset = 0;
    for (; offset + sizeof(uint64_t) <= bytes.size(); offset += sizeof(uint64_t)) {
        uint64_t word;
        std::memcpy(&word, bytes.data() + offset, sizeof word);
        hash_word(word);
    }
    if (offset < bytes.size()) {
        // The last one to seven bytes, as a little-endian load would place them: shifts rather
        // than a memcpy of a variable length, which is a call into libc.
        uint64_t word = 0;
        for (std::size_t at = offset; at < bytes.size(); ++at) {
            word |= uint64_t{static_cast<unsigned char>(bytes[at])} << (8 * (at - offset));
        }
        hash_word(word);
    }
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
