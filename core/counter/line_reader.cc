#include "core/counter/line_reader.h"

#include <array>

namespace brook::counter {

Result<std::string> LineReader::next(Instant deadline) {
    while (true) {
        std::size_t newline = buffered_.find('\n');
        if (newline != std::string::npos) {
            if (newline > max_line_bytes_) break;
            std::string line = buffered_.substr(0, newline);
            buffered_.erase(0, newline + 1);
            return line;
        }
        if (buffered_.size() > max_line_bytes_) break;
        std::array<uint8_t, 512> chunk;
        TRY_ASSIGN(std::size_t n, connection_.read(chunk, deadline));
        buffered_.append(reinterpret_cast<const char*>(chunk.data()), n);
    }
    return Error(ErrorCode::corruption,
                 fmt::format("line longer than {} bytes", max_line_bytes_));
}

}  // namespace brook::counter
