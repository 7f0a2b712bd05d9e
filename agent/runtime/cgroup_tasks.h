/// CgroupTasks: how many more tasks (threads) the process's cgroup lets it start, from the
/// pids controller (cgroup v2 pids.max / pids.current, or the v1 pids hierarchy). systemd's
/// TasksMax= and container pid limits land there. Every thread of the process counts
/// against it, so a component that starts threads on demand (the public listener's pool)
/// asks first and leaves room for the others (libcurl starts a thread per DNS lookup).
/// Only the process's own cgroup is read, not its parents.
/// Thread-safe: no state after construction; each call reads the files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fxagent {

class CgroupTasks {
 public:
  /// The cgroup of this process (/proc/self/cgroup); unlimited when it has no pids limit.
  static CgroupTasks ForThisProcess();
  /// The cgroup that the file `proc_self_cgroup` (a /proc/PID/cgroup) names under the
  /// cgroup mount `root`; unlimited ("" dir) when the file is missing or names none, or
  /// when that cgroup has no pids.max (the root cgroup, a v2 path under a v1 controller).
  static CgroupTasks ForProcessFile(const std::string& proc_self_cgroup, std::string_view root);
  /// The pids-controller directory named by a /proc/self/cgroup text under `root`, or ""
  /// when it names none: the v1 line listing "pids", else the v2 "0::" line.
  static std::string PidsDir(std::string_view proc_self_cgroup, std::string_view root);

  /// `dir` holds pids.max and pids.current; "" = no limit.
  explicit CgroupTasks(std::string dir) : dir_(std::move(dir)) {}

  /// pids.max; nullopt when unlimited ("max") or unreadable.
  std::optional<int64_t> Max() const;
  /// pids.max - pids.current (may be <= 0); nullopt when unlimited or unreadable.
  std::optional<int64_t> Free() const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace fxagent
