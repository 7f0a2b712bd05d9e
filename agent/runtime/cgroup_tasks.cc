#include "agent/runtime/cgroup_tasks.h"

#include <charconv>
#include <fstream>
#include <sstream>

namespace fxagent {
namespace {

std::optional<int64_t> ReadCount(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!in || !std::getline(in, text)) return std::nullopt;
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;  // "max"
  return v;
}

bool ListsPids(std::string_view controllers) {
  while (!controllers.empty()) {
    const size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == "pids") return true;
    if (comma == std::string_view::npos) break;
    controllers.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string CgroupTasks::PidsDir(std::string_view proc_self_cgroup, std::string_view root) {
  std::string v2;
  std::istringstream lines{std::string(proc_self_cgroup)};
  std::string line;
  while (std::getline(lines, line)) {
    // hierarchy-id:controllers:path
    const size_t a = line.find(':');
    const size_t b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    const std::string_view controllers = std::string_view(line).substr(a + 1, b - a - 1);
    std::string path = line.substr(b + 1);
    if (path == "/") path.clear();
    if (ListsPids(controllers)) return std::string(root) + "/pids" + path;
    if (line.compare(0, 3, "0::") == 0) v2 = std::string(root) + path;
  }
  return v2;
}

CgroupTasks CgroupTasks::ForThisProcess() {
  return ForProcessFile("/proc/self/cgroup", "/sys/fs/cgroup");
}

CgroupTasks CgroupTasks::ForProcessFile(const std::string& proc_self_cgroup,
                                        std::string_view root) {
  std::ifstream in(proc_self_cgroup);
  std::ostringstream text;
  text << in.rdbuf();
  std::string dir = PidsDir(text.str(), root);
  // The root cgroup (and a v2 path when the pids controller sits on v1) has no pids.max.
  if (!dir.empty() && !std::ifstream(dir + "/pids.max")) dir.clear();
  return CgroupTasks(std::move(dir));
}

std::optional<int64_t> CgroupTasks::Max() const {
  if (dir_.empty()) return std::nullopt;
  return ReadCount(dir_ + "/pids.max");
}

std::optional<int64_t> CgroupTasks::Free() const {
  const std::optional<int64_t> max = Max();
  if (!max) return std::nullopt;
  const std::optional<int64_t> current = ReadCount(dir_ + "/pids.current");
  if (!current) return std::nullopt;
  return *max - *current;
}

}  // namespace fxagent
