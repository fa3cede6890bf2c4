// Reads newline-terminated lines from a connection, for the counter service's text protocol.
//
//   LineReader reader(connection, 64);
//   Result<std::string> line = reader.next(deadline);    // without the '\n'
//
// Framing errors are input errors, never assertions: a line longer than the limit fails with
// ErrorCode::corruption, so the caller can close that one connection and carry on.
#pragma once

#include <cstddef>
#include <string>

#include "core/base/result.h"
#include "core/io/network.h"

namespace brook::counter {

class LineReader {
public:
    LineReader(Connection& connection, std::size_t max_line_bytes)
        : connection_(connection), max_line_bytes_(max_line_bytes) {}

    // May suspend.
    Result<std::string> next(Instant deadline = kNever);

private:
    Connection& connection_;
    std::size_t max_line_bytes_;
    std::string buffered_;
};

}  // namespace brook::counter
