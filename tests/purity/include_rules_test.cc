// Who may include whom: each folder's README states it in a paragraph that starts a line with
//
//   May include: `core/base/`, `core/io/`, the standard library, fmt; nothing from `net/`.
//
// and this test holds every `#include "..."` of the tree to the rule of the nearest README
// above the including file. Folders are the backquoted items ending in '/' before the first ';'
// (after it a README may say what is forbidden); the rest (the standard library, fmt, OS
// headers) is prose for the reader, since those come in with `#include <...>`, which the purity
// test and the compiler police. A folder may always include its own files and its subfolders'.
// The rules of core/'s folders must form a DAG (the order is in core/README.md), so no two
// folders can lean on each other.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Trees whose sources the rules cover; tests/ may include anything it tests.
const std::vector<std::string> kCheckedTrees = {"core", "net",       "disk", "os",
                                                "sim",  "scenarios", "fuzz", "tools"};

struct Rule {
    std::string readme;                // where it is stated, relative to the root
    std::string folder;                // "core/log/"
    std::vector<std::string> allowed;  // "core/base/", "core/io/"
};

// The folders named by a README's "May include:" paragraph, up to its first ';' (after which a
// README may name what is forbidden), or nullopt if it has none.
std::optional<std::vector<std::string>> parse_rule(std::istream& text) {
    std::string line;
    std::string rule;
    bool in_rule = false;
    while (std::getline(text, line)) {
        if (!in_rule && line.rfind("May include:", 0) == 0) in_rule = true;
        if (!in_rule) continue;
        if (line.empty()) break;
        rule += line + " ";
    }
    if (!in_rule) return std::nullopt;
    rule = rule.substr(0, rule.find(';'));
    std::vector<std::string> allowed;
    static const std::regex folder(R"(`([a-z_/]+/)`)");
    for (auto it = std::sregex_iterator(rule.begin(), rule.end(), folder);
         it != std::sregex_iterator(); ++it) {
        allowed.push_back((*it)[1]);
    }
    return allowed;
}

bool is_under(const std::string& path, const std::string& folder) {
    return path.rfind(folder, 0) == 0;
}

// The rule of the deepest folder holding `path` ("core/log/segment.cc" -> core/log/'s rule).
const Rule* rule_for(const std::vector<Rule>& rules, const std::string& path) {
    const Rule* best = nullptr;
    for (const Rule& rule : rules) {
        if (is_under(path, rule.folder) &&
            (best == nullptr || rule.folder.size() > best->folder.size())) {
            best = &rule;
        }
    }
    return best;
}

struct Checked {
    std::vector<std::string> violations;  // "path:line: includes X; README says May include: ..."
    int files = 0;
    int includes = 0;
};

std::string describe(const Rule& rule) {
    std::string folders;
    for (const std::string& folder : rule.allowed)
        folders += (folders.empty() ? "" : ", ") + folder;
    return rule.readme + " says May include: " + (folders.empty() ? "(no other folder)" : folders);
}

// Every README with a rule under `root`'s checked trees.
std::vector<Rule> read_rules(const fs::path& root) {
    std::vector<Rule> rules;
    for (const std::string& tree : kCheckedTrees) {
        if (!fs::exists(root / tree)) continue;
        std::vector<fs::path> readmes;
        if (fs::exists(root / tree / "README.md")) readmes.push_back(root / tree / "README.md");
        for (const auto& entry : fs::recursive_directory_iterator(root / tree)) {
            if (entry.path().filename() == "README.md" &&
                entry.path().parent_path() != root / tree) {
                readmes.push_back(entry.path());
            }
        }
        for (const fs::path& readme : readmes) {
            std::ifstream in(readme);
            std::optional<std::vector<std::string>> allowed = parse_rule(in);
            if (!allowed) continue;
            std::string folder = fs::relative(readme.parent_path(), root).generic_string() + "/";
            rules.push_back({fs::relative(readme, root).generic_string(), folder, *allowed});
        }
    }
    std::sort(rules.begin(), rules.end(),
              [](const Rule& a, const Rule& b) { return a.folder < b.folder; });
    return rules;
}

// Holds each quoted include of `relative_path` (read from `text`) to its folder's rule.
void check_file(const std::vector<Rule>& rules, const std::string& relative_path,
                std::istream& text, Checked& checked) {
    static const std::regex quoted_include(R"re(^\s*#\s*include\s*"([^"]+)")re");
    ++checked.files;
    const Rule* rule = rule_for(rules, relative_path);
    std::string line;
    int number = 0;
    while (std::getline(text, line)) {
        ++number;
        std::smatch match;
        if (!std::regex_search(line, match, quoted_include)) continue;
        ++checked.includes;
        std::string target = match[1];
        std::string where = relative_path + ":" + std::to_string(number) + ": includes " + target;
        if (rule == nullptr) {
            checked.violations.push_back(where + "; no README above it states May include:");
            continue;
        }
        bool fine =
            is_under(target, rule->folder) ||
            std::any_of(rule->allowed.begin(), rule->allowed.end(),
                        [&](const std::string& folder) { return is_under(target, folder); });
        if (!fine) checked.violations.push_back(where + "; " + describe(*rule));
    }
}

Checked check_tree(const fs::path& root) {
    std::vector<Rule> rules = read_rules(root);
    Checked checked;
    for (const std::string& tree : kCheckedTrees) {
        if (!fs::exists(root / tree)) continue;
        std::vector<fs::path> sources;
        for (const auto& entry : fs::recursive_directory_iterator(root / tree)) {
            std::string extension = entry.path().extension().string();
            if (extension == ".h" || extension == ".cc") sources.push_back(entry.path());
        }
        std::sort(sources.begin(), sources.end());
        for (const fs::path& source : sources) {
            std::ifstream in(source);
            check_file(rules, fs::relative(source, root).generic_string(), in, checked);
        }
    }
    return checked;
}

// A cycle among the rules of core/'s folders, as "a -> b -> a", or empty.
std::string cycle_in(const std::vector<Rule>& rules) {
    std::map<std::string, std::vector<std::string>> edges;
    for (const Rule& rule : rules) {
        if (!is_under(rule.folder, "core/") || rule.folder == "core/") continue;
        for (const std::string& to : rule.allowed) {
            if (to != rule.folder && is_under(to, "core/")) edges[rule.folder].push_back(to);
        }
    }
    std::map<std::string, int> state;  // 1: on the path, 2: done
    std::vector<std::string> path;
    std::string found;
    std::function<bool(const std::string&)> visit = [&](const std::string& folder) {
        if (state[folder] == 2) return false;
        if (state[folder] == 1) {
            auto start = std::find(path.begin(), path.end(), folder);
            for (auto it = start; it != path.end(); ++it) found += *it + " -> ";
            found += folder;
            return true;
        }
        state[folder] = 1;
        path.push_back(folder);
        for (const std::string& to : edges[folder]) {
            if (visit(to)) return true;
        }
        path.pop_back();
        state[folder] = 2;
        return false;
    };
    for (const auto& [folder, targets] : edges) {
        if (visit(folder)) return found;
    }
    return found;
}

// Folders directly under core/ with sources but no rule of their own (core/'s own rule would
// let them include anything in core/).
std::vector<std::string> core_folders_without_rule(const fs::path& root) {
    std::vector<Rule> rules = read_rules(root);
    std::vector<std::string> missing;
    for (const auto& entry : fs::directory_iterator(root / "core")) {
        if (!entry.is_directory()) continue;
        std::string folder = fs::relative(entry.path(), root).generic_string() + "/";
        bool has_sources = false;
        for (const auto& file : fs::recursive_directory_iterator(entry.path())) {
            std::string extension = file.path().extension().string();
            has_sources = has_sources || extension == ".h" || extension == ".cc";
        }
        bool has_rule = std::any_of(rules.begin(), rules.end(),
                                    [&](const Rule& rule) { return rule.folder == folder; });
        if (has_sources && !has_rule) missing.push_back(folder);
    }
    std::sort(missing.begin(), missing.end());
    return missing;
}

// A scratch tree under the system's temporary folder, removed at the end of the test.
class PlantedTree {
public:
    PlantedTree() {
        root_ = fs::temp_directory_path() /
                ("brook-include-rules-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        fs::remove_all(root_);
    }
    ~PlantedTree() { fs::remove_all(root_); }
    void write(const std::string& path, const std::string& text) {
        fs::create_directories((root_ / path).parent_path());
        std::ofstream(root_ / path) << text;
    }
    const fs::path& root() const { return root_; }

private:
    fs::path root_;
};

TEST_CASE("include rules: every quoted include follows its folder's README") {
    fs::path root = BROOK_SOURCE_DIR;
    std::vector<Rule> rules = read_rules(root);
    INFO("rules read: " << rules.size());
    REQUIRE(rules.size() >= 15);
    Checked checked = check_tree(root);
    INFO("scanned " << checked.files << " files, " << checked.includes << " includes");
    REQUIRE(checked.files > 100);
    for (const std::string& violation : checked.violations) UNSCOPED_INFO(violation);
    REQUIRE(checked.violations.empty());
}

TEST_CASE("include rules: every folder of core/ states its own rule") {
    std::vector<std::string> missing = core_folders_without_rule(BROOK_SOURCE_DIR);
    for (const std::string& folder : missing) {
        UNSCOPED_INFO(folder << " has no README.md with a \"May include:\" line");
    }
    REQUIRE(missing.empty());
}

TEST_CASE("include rules: the rules of core/'s folders form a DAG") {
    std::string cycle = cycle_in(read_rules(BROOK_SOURCE_DIR));
    INFO(cycle);
    REQUIRE(cycle.empty());
}

TEST_CASE("include rules: a planted violation is reported with file, line and rule") {
    PlantedTree tree;
    tree.write("core/README.md", "May include: `core/` itself.\n");
    tree.write("core/base/README.md", "# base\n\nMay include: the standard library.\n");
    tree.write("core/log/README.md",
               "# log\n\nMay include: `core/base/`, the standard\nlibrary; not `core/broker/`.\n");
    tree.write("core/broker/README.md", "May include: `core/base/`, `core/log/`.\n");
    tree.write("core/base/result.h", "#pragma once\n#include <string>\n");
    tree.write("core/log/segment.h",
               "#pragma once\n#include \"core/base/result.h\"\n"
               "#include \"core/log/segment_io.h\"\n");
    tree.write("core/log/segment.cc",
               "#include \"core/log/segment.h\"\n\n  #include \"core/broker/broker.h\"\n");
    tree.write("core/broker/broker.h", "#include \"core/log/segment.h\"\n");

    Checked checked = check_tree(tree.root());
    REQUIRE(checked.files == 4);
    REQUIRE(checked.violations.size() == 1);
    REQUIRE(checked.violations[0] ==
            "core/log/segment.cc:3: includes core/broker/broker.h; core/log/README.md says May "
            "include: core/base/");

    SECTION("a file with no rule above it is reported too") {
        tree.write("net/epoll.cc", "#include \"core/base/result.h\"\n");
        Checked again = check_tree(tree.root());
        REQUIRE(again.violations.size() == 2);
        REQUIRE(again.violations[1].find(
                    "net/epoll.cc:1: includes core/base/result.h; no README") == 0);
    }
    SECTION("a folder of core/ without a rule of its own is reported") {
        tree.write("core/raft/raft.h", "#pragma once\n");
        REQUIRE(core_folders_without_rule(tree.root()) == std::vector<std::string>{"core/raft/"});
    }
    SECTION("rules that lean on each other are a cycle") {
        tree.write("core/base/README.md", "May include: `core/broker/`.\n");
        REQUIRE(cycle_in(read_rules(tree.root())) == "core/base/ -> core/broker/ -> core/base/");
    }
}

}  // namespace
