#include "tools/brook/arguments.h"

namespace brook::tools {

Arguments::Arguments(int argc, char** argv, int first) {
    for (int i = first; i < argc; ++i) {
        std::string word = argv[i];
        if (!word.starts_with("--")) {
            positional_.push_back(word);
            continue;
        }
        std::size_t equals = word.find('=');
        if (equals != std::string::npos) {
            options_.push_back({word.substr(0, equals), word.substr(equals + 1)});
        } else if (i + 1 < argc && !std::string(argv[i + 1]).starts_with("--")) {
            options_.push_back({word, std::string(argv[i + 1])});
            ++i;
        } else {
            options_.push_back({word, std::nullopt});
        }
    }
}

bool Arguments::flag(const std::string& name) {
    bool found = false;
    for (Option& option : options_) {
        if (option.name != name) continue;
        option.used = true;
        found = true;
        if (option.value) {  // "--flag word": the word was positional after all
            positional_.push_back(*option.value);
            option.value.reset();
        }
    }
    return found;
}

std::optional<std::string> Arguments::value(const std::string& name) {
    std::vector<std::string> all = values(name);
    if (all.empty()) return std::nullopt;
    return all.back();
}

std::vector<std::string> Arguments::values(const std::string& name) {
    std::vector<std::string> found;
    for (Option& option : options_) {
        if (option.name != name) continue;
        option.used = true;
        if (option.value) {
            found.push_back(*option.value);
        } else {
            missing_value_ = name;
        }
    }
    return found;
}

std::optional<std::string> Arguments::unused() const {
    for (const Option& option : options_) {
        if (!option.used) return option.name;
    }
    return std::nullopt;
}

std::optional<std::string> Arguments::problem(bool takes_positional) const {
    if (missing_value_) return *missing_value_ + " needs a value";
    if (auto unknown = unused()) return "unknown option " + *unknown;
    if (!takes_positional && !positional_.empty()) {
        return "unexpected argument '" + positional_.front() + "'";
    }
    return std::nullopt;
}

}  // namespace brook::tools
