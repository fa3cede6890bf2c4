// How `brook consume` prints a record: a subset of kcat's `-f` format.
//
//   Result<RecordFormat> format = RecordFormat::parse("%k\t%s (partition %p, offset %o)\n");
//   std::string line = format->render(record);
//
// Directives: %t topic, %p partition, %o offset, %k key, %K key length, %s value, %S value
// length, %T timestamp (ms since the epoch), %h headers as name=value separated by commas,
// %% a percent sign; escapes \n \r \t \\. A null key or value prints as nothing (length -1).
// The default format is "%s\n": the value and a newline, like kafka-console-consumer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/result.h"

namespace brook::tools {

// A consumed record as the format sees it (views into the consumer's buffers).
struct FormattedRecord {
    std::string_view topic;
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp_ms = -1;
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    std::vector<std::pair<std::string_view, std::string_view>> headers;
};

class RecordFormat {
public:
    static constexpr std::string_view kDefault = "%s\\n";

    // Fails on an unknown directive or escape, naming it.
    static Result<RecordFormat> parse(std::string_view text);

    // Appends the record's text to `out`.
    void render(const FormattedRecord& record, std::string& out) const;

private:
    enum class Field {
        literal,
        topic,
        partition,
        offset,
        key,
        key_length,
        value,
        value_length,
        timestamp,
        headers
    };
    struct Piece {
        Field field;
        std::string literal;  // for Field::literal
    };
    std::vector<Piece> pieces_;
};

}  // namespace brook::tools
