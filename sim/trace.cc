#include "sim/trace.h"

namespace brook::sim {
namespace {
uint64_t fnv1a(uint64_t hash, std::string_view bytes) {
    for (unsigned char byte : bytes) {
        hash ^= byte;
        hash *= 0x100000001b3ULL;
    }
    return hash;
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

void Trace::begin(Instant time, std::string_view actor, std::string_view kind) {
    line_.clear();
    format_instant_to(fmt::appender(line_), time);
    line_.push_back(' ');
    line_.append(actor);
    line_.push_back(' ');
    line_.append(kind);
    line_.push_back(' ');
}

void Trace::end() {
    ++events_;
    line_.push_back('\n');
    std::string_view text(line_.data(), line_.size());
    hash_ = fnv1a(hash_, text);
    if (file_ != nullptr) std::fwrite(text.data(), 1, text.size(), file_);
    if (keep_lines_) lines_.append(text);
}

}  // namespace brook::sim
