#include "agent/metrics/process_collector.h"

#include <dirent.h>
#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

namespace fxagent {
namespace {

prometheus::MetricFamily Family(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(m);
  return f;
}

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

struct ProcStat {
  double utime_ticks = 0, stime_ticks = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
};

ProcStat ReadProcStat() {
  ProcStat s;
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  // Field 2 (comm) may contain spaces; the rest starts after the last ')'.
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) s.utime_ticks = std::stod(field);
    if (i == 15) s.stime_ticks = std::stod(field);
    if (i == 22) s.start_ticks = std::stod(field);
    if (i == 23) s.vsize = std::stod(field);
    if (i == 24) {
      s.rss_pages = std::stod(field);
      break;
    }
  }
  return s;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double n = 0;
  while (readdir(dir) != nullptr) ++n;
  closedir(dir);
  return n - 3;  // ".", ".." and the directory's own descriptor
}

}  // namespace

ProcessCollector::ProcessCollector() {
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double boot = BootTimeSeconds();
  const ProcStat s = ReadProcStat();
  start_time_seconds_ =
      boot > 0 ? boot + s.start_ticks / ticks
               : std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                     .count();
}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  const ProcStat s = ReadProcStat();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  const struct mallinfo2 heap = mallinfo2();
  return {
      Family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
             MetricType::Counter, (s.utime_ticks + s.stime_ticks) / ticks),
      Family("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::Gauge,
             s.rss_pages * page),
      Family("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::Gauge,
             s.vsize),
      Family("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
             MetricType::Gauge, start_time_seconds_),
      Family("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, OpenFds()),
      // Where the memory goes (the soak tells growth apart from caches with these).
      Family("flexport_agent_heap_in_use_bytes",
             "Bytes of the C heap in use by live allocations (glibc mallinfo2 uordblks).",
             MetricType::Gauge, static_cast<double>(heap.uordblks)),
      Family("flexport_agent_heap_free_bytes",
             "Bytes the C heap holds but has free (glibc mallinfo2 fordblks): fragmentation "
             "and memory not yet returned to the system.",
             MetricType::Gauge, static_cast<double>(heap.fordblks)),
      Family("flexport_agent_sqlite_memory_bytes",
             "Bytes SQLite holds (page caches of the webhook store and the notification "
             "database, statements).",
             MetricType::Gauge, static_cast<double>(sqlite3_memory_used())),
  };
}

}  // namespace fxagent
