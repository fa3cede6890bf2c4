// The broker configuration as `brook serve` and `brook format` read it: a server.properties file
// (optional: Brook's defaults without one), then each `--override key=value`, then the rules
// across keys (BrokerConfig::finish).
//
//   TRY_ASSIGN(broker::BrokerConfig config, load_server_properties(path, overrides));
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/base/result.h"
#include "core/broker/broker_config.h"

namespace brook::tools {

// invalid_argument or not_found whose context names the file or the override at fault.
Result<broker::BrokerConfig> load_server_properties(const std::optional<std::string>& path,
                                                    const std::vector<std::string>& overrides);

}  // namespace brook::tools
