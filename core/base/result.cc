#include "core/base/result.h"

#include <fmt/format.h>

namespace brook {

std::string_view error_code_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::not_found: return "not_found";
        case ErrorCode::already_exists: return "already_exists";
        case ErrorCode::corruption: return "corruption";
        case ErrorCode::io_error: return "io_error";
        case ErrorCode::no_space: return "no_space";
        case ErrorCode::disconnected: return "disconnected";
        case ErrorCode::timeout: return "timeout";
        case ErrorCode::invalid_argument: return "invalid_argument";
        case ErrorCode::unsupported: return "unsupported";
        case ErrorCode::shutting_down: return "shutting_down";
        case ErrorCode::out_of_range: return "out_of_range";
        case ErrorCode::too_large: return "too_large";
    }
    return "unknown";
}

std::string Error::describe() const {
    if (context_.empty()) return std::string(error_code_name(code_));
    return fmt::format("{}: {}", error_code_name(code_), context_);
}

Error Error::wrap(std::string_view outer) const& {
    if (context_.empty()) return Error(code_, std::string(outer));
    return Error(code_, fmt::format("{}: {}", outer, context_));
}

}  // namespace brook
