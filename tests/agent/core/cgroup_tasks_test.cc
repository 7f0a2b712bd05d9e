// CgroupTasks: finds the pids controller in /proc/self/cgroup (v1, v2, hybrid) and reads
// the room left under pids.max.
#include "agent/runtime/cgroup_tasks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fxagent {
namespace {

TEST(CgroupTasksTest, PidsDirOfCgroupV2) {
  EXPECT_EQ(CgroupTasks::PidsDir("0::/system.slice/flexport-agent.service\n", "/sys/fs/cgroup"),
            "/sys/fs/cgroup/system.slice/flexport-agent.service");
  // A container with its own cgroup namespace sees itself at the root.
  EXPECT_EQ(CgroupTasks::PidsDir("0::/\n", "/sys/fs/cgroup"), "/sys/fs/cgroup");
}

TEST(CgroupTasksTest, PidsDirOfCgroupV1AndHybridPrefersThePidsController) {
  const std::string hybrid =
      "12:cpu,cpuacct:/system.slice/a.service\n"
      "8:pids:/system.slice/a.service\n"
      "1:name=systemd:/system.slice/a.service\n"
      "0::/system.slice/a.service\n";
  EXPECT_EQ(CgroupTasks::PidsDir(hybrid, "/sys/fs/cgroup"),
            "/sys/fs/cgroup/pids/system.slice/a.service");
  EXPECT_EQ(CgroupTasks::PidsDir("3:memory,pids:/docker/abc\n", "/r"), "/r/pids/docker/abc");
  EXPECT_EQ(CgroupTasks::PidsDir("3:pidsx:/a\n", "/r"), "");
  EXPECT_EQ(CgroupTasks::PidsDir("", "/r"), "");
  EXPECT_EQ(CgroupTasks::PidsDir("garbage\n", "/r"), "");
}

class CgroupFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cgroup_tasks_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
};

TEST_F(CgroupFilesTest, FreeIsMaxMinusCurrent) {
  Write("pids.max", "256\n");
  Write("pids.current", "97\n");
  const CgroupTasks tasks(dir_.string());
  EXPECT_EQ(tasks.Max(), 256);
  EXPECT_EQ(tasks.Free(), 159);
  Write("pids.current", "300\n");
  EXPECT_EQ(tasks.Free(), -44);
}

TEST_F(CgroupFilesTest, MaxMeansUnlimited) {
  Write("pids.max", "max\n");
  Write("pids.current", "97\n");
  EXPECT_EQ(CgroupTasks(dir_.string()).Free(), std::nullopt);
  EXPECT_EQ(CgroupTasks("").Free(), std::nullopt);
  EXPECT_EQ(CgroupTasks((dir_ / "missing").string()).Free(), std::nullopt);
}

TEST(CgroupTasksTest, ThisProcessIsReadable) {
  // Whatever the machine: unlimited, or a limit with this process's threads counted.
  const CgroupTasks tasks = CgroupTasks::ForThisProcess();
  if (tasks.Max()) {
    ASSERT_TRUE(tasks.Free().has_value()) << tasks.dir();
    EXPECT_LT(*tasks.Free(), *tasks.Max());
  }
}

}  // namespace
}  // namespace fxagent
