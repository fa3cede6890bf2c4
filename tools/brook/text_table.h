// Rows of cells as a plain-text table, as the command line prints them (`brook groups
// --describe`, `brook cluster quorum --replication`): each column but the last padded to its
// widest cell, two spaces apart, one line per row.
//
//   fmt::print("{}", table_text({{"NodeId", "Status"}, {"1", "Leader"}}));
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace brook::tools {

inline std::string table_text(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::string text;
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            bool last = i + 1 == row.size();
            text += last ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
        }
        text += '\n';
    }
    return text;
}

}  // namespace brook::tools
