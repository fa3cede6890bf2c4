#include "os/errno_text.h"

#include <fmt/format.h>

#include <cstring>

namespace brook {

std::string errno_text(int error) {
    const char* name = strerrorname_np(error);
    const char* description = strerrordesc_np(error);
    return fmt::format("{} ({})", name != nullptr ? name : fmt::format("errno {}", error),
                       description != nullptr ? description : "unknown error");
}

}  // namespace brook
