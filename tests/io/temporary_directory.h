// A fresh directory under /tmp for a disk test, removed with everything in it at the end.
//
//   TemporaryDirectory directory;
//   PosixDisk disk(directory.path());
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "core/base/check.h"

namespace brook::testing {

class TemporaryDirectory {
public:
    TemporaryDirectory() {
        char pattern[] = "/tmp/brook-disk-XXXXXX";
        char* path = ::mkdtemp(pattern);
        ASSERT(path != nullptr, "mkdtemp failed");
        path_ = path;
    }
    ~TemporaryDirectory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TemporaryDirectory(const TemporaryDirectory&) = delete;
    TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace brook::testing
