#include "tools/brook/record_format.h"

#include <fmt/format.h>

namespace brook::tools {
namespace {

std::optional<char> unescape(char escaped) {
    switch (escaped) {
        case 'n':
            return '\n';
        case 'r':
            return '\r';
        case 't':
            return '\t';
        case '\\':
            return '\\';
        default:
            return std::nullopt;
    }
}

}  // namespace

Result<RecordFormat> RecordFormat::parse(std::string_view text) {
    RecordFormat format;
    auto add_literal = [&](char c) {
        if (format.pieces_.empty() || format.pieces_.back().field != Field::literal) {
            format.pieces_.push_back({Field::literal, {}});
        }
        format.pieces_.back().literal.push_back(c);
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '%' && c != '\\') {
            add_literal(c);
            continue;
        }
        if (i + 1 == text.size()) {
            return Error(ErrorCode::invalid_argument,
                         fmt::format("--format ends in a lone '{}'", c));
        }
        char next = text[++i];
        if (c == '\\') {
            std::optional<char> unescaped = unescape(next);
            if (!unescaped) {
                return Error(ErrorCode::invalid_argument,
                             fmt::format("--format: unknown escape \\{}", next));
            }
            add_literal(*unescaped);
            continue;
        }
        Field field;
        switch (next) {
            case '%':
                add_literal('%');
                continue;
            case 't':
                field = Field::topic;
                break;
            case 'p':
                field = Field::partition;
                break;
            case 'o':
                field = Field::offset;
                break;
            case 'k':
                field = Field::key;
                break;
            case 'K':
                field = Field::key_length;
                break;
            case 's':
                field = Field::value;
                break;
            case 'S':
                field = Field::value_length;
                break;
            case 'T':
                field = Field::timestamp;
                break;
            case 'h':
                field = Field::headers;
                break;
            default:
                return Error(ErrorCode::invalid_argument,
                             fmt::format("--format: unknown directive %{}", next));
        }
        format.pieces_.push_back({field, {}});
    }
    return format;
}

void RecordFormat::render(const FormattedRecord& record, std::string& out) const {
    auto length = [](const std::optional<std::string_view>& bytes) {
        return bytes ? static_cast<int64_t>(bytes->size()) : int64_t{-1};
    };
    for (const Piece& piece : pieces_) {
        switch (piece.field) {
            case Field::literal:
                out += piece.literal;
                break;
            case Field::topic:
                out += record.topic;
                break;
            case Field::partition:
                fmt::format_to(std::back_inserter(out), "{}", record.partition);
                break;
            case Field::offset:
                fmt::format_to(std::back_inserter(out), "{}", record.offset);
                break;
            case Field::key:
                out += record.key.value_or("");
                break;
            case Field::key_length:
                fmt::format_to(std::back_inserter(out), "{}", length(record.key));
                break;
            case Field::value:
                out += record.value.value_or("");
                break;
            case Field::value_length:
                fmt::format_to(std::back_inserter(out), "{}", length(record.value));
                break;
            case Field::timestamp:
                fmt::format_to(std::back_inserter(out), "{}", record.timestamp_ms);
                break;
            case Field::headers:
                for (std::size_t i = 0; i < record.headers.size(); ++i) {
                    if (i > 0) out += ',';
                    out += record.headers[i].first;
                    out += '=';
                    out += record.headers[i].second;
                }
                break;
        }
    }
}

}  // namespace brook::tools
