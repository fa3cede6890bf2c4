// An errno value as a reader wants it in an error message: its name and its description.
//
//   return Error(ErrorCode::io_error, fmt::format("fsync {}: {}", path, errno_text(errno)));
//   // "fsync data/x.log: EIO (Input/output error)"
#pragma once

#include <string>

namespace brook {

// "ENOENT (No such file or directory)"; "errno 4242 (unknown error)" for a value glibc does not
// name.
std::string errno_text(int error);

}  // namespace brook
