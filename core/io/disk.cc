#include "core/io/disk.h"

namespace brook {

std::string_view parent_directory(std::string_view path) {
    std::size_t slash = path.rfind('/');
    if (slash == std::string_view::npos) return {};
    return path.substr(0, slash);
}

}  // namespace brook
