#include "core/quorum/quorum_state_file.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>

namespace brook::quorum {

using raft::LeaderEpoch;
using raft::NodeId;

namespace {

// The file is a few hundred bytes; anything far larger is not a quorum-state file, and the
// bound keeps the reader's work (and the skipper's recursion) small on garbage.
constexpr std::size_t kFileBytesMax = 64 * 1024;
constexpr int kNestingMax = 16;

Error malformed(std::string what) {
    return Error(ErrorCode::corruption, fmt::format("quorum-state: {}", what));
}

void append_json_string(std::string& out, std::string_view value) {
    out += '"';
    for (char c : value) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out += c;
        }
    }
    out += '"';
}

// A reader for exactly the JSON this file holds: one object of numbers, strings, null and an
// array of objects; other values are skipped by shape.
class JsonReader {
public:
    explicit JsonReader(std::string_view text) : text_(text) {}

    bool at_end() {
        skip_space();
        return at_ == text_.size();
    }

    // Consumes `c` (after white space) if it is next.
    bool consume(char c) {
        skip_space();
        if (at_ < text_.size() && text_[at_] == c) {
            ++at_;
            return true;
        }
        return false;
    }

    Result<void> expect(char c) {
        if (!consume(c)) return malformed(fmt::format("'{}' expected at byte {}", c, at_));
        return {};
    }

    Result<std::string> read_string() {
        TRY(expect('"'));
        std::string out;
        while (at_ < text_.size()) {
            char c = text_[at_++];
            if (c == '"') return out;
            if (static_cast<unsigned char>(c) < 0x20) return malformed("control byte in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= text_.size()) break;
            char escape = text_[at_++];
            switch (escape) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': {
                    TRY_ASSIGN(uint32_t code, read_hex4());
                    append_utf8(out, code);
                    break;
                }
                default: return malformed(fmt::format("bad escape \\{}", escape));
            }
        }
        return malformed("unterminated string");
    }

    Result<int64_t> read_integer() {
        skip_space();
        std::size_t start = at_;
        if (at_ < text_.size() && text_[at_] == '-') ++at_;
        while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
        int64_t value = 0;
        auto [end, error] = std::from_chars(text_.data() + start, text_.data() + at_, value);
        if (error != std::errc() || end != text_.data() + at_ || at_ == start) {
            return malformed(fmt::format("integer expected at byte {}", start));
        }
        if (at_ < text_.size() && (text_[at_] == '.' || text_[at_] == 'e' || text_[at_] == 'E')) {
            return malformed(fmt::format("integer expected at byte {}", start));
        }
        return value;
    }

    bool consume_literal(std::string_view literal) {
        skip_space();
        if (text_.substr(at_, literal.size()) != literal) return false;
        at_ += literal.size();
        return true;
    }

    // Skips any one JSON value.
    Result<void> skip_value(int depth = 0) {
        if (depth > kNestingMax) return malformed("nested too deep");
        skip_space();
        if (at_ >= text_.size()) return malformed("value expected at the end");
        char c = text_[at_];
        if (c == '"') {
            TRY(read_string());
            return {};
        }
        if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            ++at_;
            if (consume(close)) return {};
            do {
                if (c == '{') {
                    TRY(read_string());
                    TRY(expect(':'));
                }
                TRY(skip_value(depth + 1));
            } while (consume(','));
            return expect(close);
        }
        if (consume_literal("true") || consume_literal("false") || consume_literal("null")) {
            return {};
        }
        skip_space();
        std::size_t start = at_;
        while (at_ < text_.size() && std::string_view("+-.eE0123456789").find(text_[at_]) !=
                                         std::string_view::npos) {
            ++at_;
        }
        if (at_ == start) return malformed(fmt::format("value expected at byte {}", at_));
        return {};
    }

private:
    void skip_space() {
        while (at_ < text_.size() && (text_[at_] == ' ' || text_[at_] == '\n' ||
                                      text_[at_] == '\r' || text_[at_] == '\t')) {
            ++at_;
        }
    }

    Result<uint32_t> read_hex4() {
        if (text_.size() - at_ < 4) return malformed("short \\u escape");
        uint32_t code = 0;
        auto [end, error] = std::from_chars(text_.data() + at_, text_.data() + at_ + 4, code, 16);
        if (error != std::errc() || end != text_.data() + at_ + 4) {
            return malformed("bad \\u escape");
        }
        at_ += 4;
        return code;
    }

    // A \u escape as UTF-8 (a lone surrogate is kept as its three-byte form; cluster ids are
    // base64, so this only has to be safe, not complete).
    static void append_utf8(std::string& out, uint32_t code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        }
    }

    std::string_view text_;
    std::size_t at_ = 0;
};

Result<int32_t> read_int32_at_least(JsonReader& reader, std::string_view key, int64_t minimum) {
    TRY_ASSIGN(int64_t value, reader.read_integer());
    if (value < minimum || value > std::numeric_limits<int32_t>::max()) {
        return malformed(fmt::format("{} {} is out of range", key, value));
    }
    return static_cast<int32_t>(value);
}

Result<std::vector<NodeId>> read_voters(JsonReader& reader) {
    std::vector<NodeId> voters;
    if (reader.consume_literal("null")) return voters;
    TRY(reader.expect('['));
    if (reader.consume(']')) return voters;
    do {
        TRY(reader.expect('{'));
        std::optional<NodeId> id;
        if (!reader.consume('}')) {
            do {
                TRY_ASSIGN(std::string key, reader.read_string());
                TRY(reader.expect(':'));
                if (key == "voterId") {
                    TRY_ASSIGN(int32_t value, read_int32_at_least(reader, key, 0));
                    id = NodeId(value);
                } else {
                    TRY(reader.skip_value());
                }
            } while (reader.consume(','));
            TRY(reader.expect('}'));
        }
        if (!id) return malformed("a voter without voterId");
        voters.push_back(*id);
    } while (reader.consume(','));
    TRY(reader.expect(']'));
    return voters;
}

}  // namespace

std::string format_quorum_state(const QuorumStateFile& file) {
    std::string out = "{\"clusterId\":";
    append_json_string(out, file.cluster_id);
    out += fmt::format(",\"leaderId\":{},\"leaderEpoch\":{},\"votedId\":{},\"appliedOffset\":0,"
                       "\"currentVoters\":[",
                       file.state.leader, file.state.epoch, file.state.voted_for);
    for (std::size_t i = 0; i < file.voters.size(); ++i) {
        out += fmt::format("{}{{\"voterId\":{}}}", i == 0 ? "" : ",", file.voters[i]);
    }
    out += "],\"data_version\":0}";
    return out;
}

Result<QuorumStateFile> parse_quorum_state(std::string_view text) {
    if (text.size() > kFileBytesMax) return malformed(fmt::format("{} bytes", text.size()));
    JsonReader reader(text);
    QuorumStateFile file;
    std::optional<int32_t> leader, epoch, voted, data_version;
    TRY(reader.expect('{'));
    if (!reader.consume('}')) {
        do {
            TRY_ASSIGN(std::string key, reader.read_string());
            TRY(reader.expect(':'));
            if (key == "clusterId") {
                if (reader.consume_literal("null")) {
                    file.cluster_id.clear();
                } else {
                    TRY_ASSIGN(file.cluster_id, reader.read_string());
                }
            } else if (key == "leaderId") {
                TRY_ASSIGN(leader, read_int32_at_least(reader, key, -1));
            } else if (key == "leaderEpoch") {
                TRY_ASSIGN(epoch, read_int32_at_least(reader, key, 0));
            } else if (key == "votedId") {
                TRY_ASSIGN(voted, read_int32_at_least(reader, key, -1));
            } else if (key == "appliedOffset") {
                TRY(reader.read_integer());
            } else if (key == "currentVoters") {
                TRY_ASSIGN(file.voters, read_voters(reader));
            } else if (key == "data_version") {
                TRY_ASSIGN(data_version, read_int32_at_least(reader, key, 0));
            } else {
                TRY(reader.skip_value());
            }
        } while (reader.consume(','));
        TRY(reader.expect('}'));
    }
    if (!reader.at_end()) return malformed("bytes after the object");
    if (!leader || !epoch || !voted || !data_version) {
        return malformed("leaderId, leaderEpoch, votedId and data_version are required");
    }
    if (*data_version > 1) return malformed(fmt::format("data_version {}", *data_version));
    file.state = raft::QuorumState{LeaderEpoch(*epoch), NodeId(*voted), NodeId(*leader)};
    return file;
}

}  // namespace brook::quorum
