// `brook bench log`: partition log throughput on the real disk (PosixDisk, epoll scheduler).
//   - append MB/s and batches/s, 1 KiB records in 16 KiB batches, fsync per group commit,
//     next to a raw write + fdatasync loop of the same bytes in the same run;
//   - fetch MB/s reading the log back from a warm page cache;
//   - recovery time of a 1 GiB log (one active segment: every batch rescanned and CRC'd).
// Usage: brook bench log [--dir PATH] [--append-mib N] [--writers N] [--recovery-mib N]
#pragma once

namespace brook::tools {

int bench_log_command(int argc, char** argv);

}  // namespace brook::tools
