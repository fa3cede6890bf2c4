// A small argument reader for the subcommands: `--name value`, `--name=value` and `--flag`.
//
//   Arguments args(argc, argv, 1);                 // skip the subcommand's own name
//   std::string scenario = args.value("--scenario").value_or("counter");
//   bool html = args.flag("--html");
//   if (auto problem = args.problem()) usage_error(*problem);
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace brook::tools {

class Arguments {
public:
    Arguments(int argc, char** argv, int first);

    bool flag(const std::string& name);
    std::optional<std::string> value(const std::string& name);
    // Every value given for a repeatable option, in order.
    std::vector<std::string> values(const std::string& name);
    // Words that are not options, in order.
    const std::vector<std::string>& positional() const { return positional_; }
    // The first option no call asked about, to report as an error.
    std::optional<std::string> unused() const;
    // The option that lacks its value, if any.
    std::optional<std::string> missing_value() const { return missing_value_; }
    // Once every option was asked for: what is wrong with the command line, as the usage error
    // says it (an option without its value, an unknown option, or a word that is not an option
    // when the command takes none); nullopt when nothing is.
    std::optional<std::string> problem(bool takes_positional = false) const;

private:
    struct Option {
        std::string name;
        std::optional<std::string> value;
        bool used = false;
    };
    std::vector<Option> options_;
    std::vector<std::string> positional_;
    std::optional<std::string> missing_value_;
};

}  // namespace brook::tools
