#include "tools/brook/server_properties.h"

#include <fstream>
#include <sstream>

namespace brook::tools {

Result<broker::BrokerConfig> load_server_properties(const std::optional<std::string>& path,
                                                    const std::vector<std::string>& overrides) {
    std::string text;
    if (path) {
        std::ifstream in(*path, std::ios::binary);
        if (!in) return Error(ErrorCode::not_found, fmt::format("cannot read {}", *path));
        std::ostringstream read;
        read << in.rdbuf();
        text = read.str();
    }
    Result<broker::BrokerConfig> parsed = broker::BrokerConfig::parse(text);
    if (!parsed) {
        return Error(parsed.error().code(),
                     fmt::format("{}: {}", path.value_or("defaults"), parsed.error().context()));
    }
    broker::BrokerConfig config = std::move(*parsed);
    for (const std::string& assignment : overrides) {
        if (Result<void> set = config.set_override(assignment); !set) {
            return Error(set.error().code(),
                         fmt::format("--override {}: {}", assignment, set.error().context()));
        }
    }
    TRY(config.finish());
    return config;
}

}  // namespace brook::tools
