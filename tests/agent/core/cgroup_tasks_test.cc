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

// Whole fake roots: a /proc/self/cgroup file and the cgroup mount it points into.
class CgroupRootTest : public CgroupFilesTest {
 protected:
  // Writes `text` at `relative` under the fake root, creating directories.
  void Put(const std::string& relative, const std::string& text) {
    const std::filesystem::path path = dir_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  CgroupTasks Read() const {
    return CgroupTasks::ForProcessFile((dir_ / "proc/self/cgroup").string(),
                                       (dir_ / "sys/fs/cgroup").string());
  }
};

TEST_F(CgroupRootTest, V2LimitIsRead) {
  Put("proc/self/cgroup", "0::/system.slice/flexport-agent.service\n");
  Put("sys/fs/cgroup/system.slice/flexport-agent.service/pids.max", "512\n");
  Put("sys/fs/cgroup/system.slice/flexport-agent.service/pids.current", "12\n");
  const CgroupTasks tasks = Read();
  EXPECT_EQ(tasks.dir(), (dir_ / "sys/fs/cgroup/system.slice/flexport-agent.service").string());
  EXPECT_EQ(tasks.Max(), 512);
  EXPECT_EQ(tasks.Free(), 500);
}

TEST_F(CgroupRootTest, V1PidsHierarchyIsRead) {
  Put("proc/self/cgroup", "4:memory:/docker/abc\n3:pids:/docker/abc\n1:name=systemd:/x\n");
  Put("sys/fs/cgroup/pids/docker/abc/pids.max", "64\n");
  Put("sys/fs/cgroup/pids/docker/abc/pids.current", "70\n");
  const CgroupTasks tasks = Read();
  EXPECT_EQ(tasks.Max(), 64);
  EXPECT_EQ(tasks.Free(), -6);  // over the limit (lowered under a running process)
}

TEST_F(CgroupRootTest, MaxIsUnlimited) {
  Put("proc/self/cgroup", "0::/user.slice\n");
  Put("sys/fs/cgroup/user.slice/pids.max", "max\n");
  Put("sys/fs/cgroup/user.slice/pids.current", "3\n");
  const CgroupTasks tasks = Read();
  EXPECT_FALSE(tasks.dir().empty());
  EXPECT_EQ(tasks.Max(), std::nullopt);
  EXPECT_EQ(tasks.Free(), std::nullopt);
}

TEST_F(CgroupRootTest, MissingFilesAreUnlimited) {
  // No /proc/self/cgroup at all.
  EXPECT_EQ(Read().dir(), "");
  EXPECT_EQ(Read().Free(), std::nullopt);
  // The root cgroup of a container: no pids.max there.
  Put("proc/self/cgroup", "0::/\n");
  Put("sys/fs/cgroup/cgroup.controllers", "cpu memory pids\n");
  EXPECT_EQ(Read().dir(), "");
  EXPECT_EQ(Read().Max(), std::nullopt);
  // A limit but no pids.current (unreadable): nothing to count against it.
  Put("proc/self/cgroup", "0::/a\n");
  Put("sys/fs/cgroup/a/pids.max", "100\n");
  EXPECT_EQ(Read().Max(), 100);
  EXPECT_EQ(Read().Free(), std::nullopt);
  // Garbage in pids.max is not a limit.
  Put("sys/fs/cgroup/a/pids.max", "100 tasks\n");
  EXPECT_EQ(Read().Max(), std::nullopt);
}

TEST_F(CgroupRootTest, V2PathUnderAV1PidsControllerIsUnlimited) {
  // Hybrid hierarchy where the v1 line lists no pids: the v2 path has no pids.max.
  Put("proc/self/cgroup", "5:cpu:/a\n0::/a\n");
  Put("sys/fs/cgroup/a/cgroup.procs", "1\n");
  EXPECT_EQ(Read().dir(), "");
  EXPECT_EQ(Read().Free(), std::nullopt);
}

TEST(CgroupTasksTest, ThisProcessMatchesItsCgroupFiles) {
  // Whatever the machine, the result agrees with the files read by hand.
  const CgroupTasks tasks = CgroupTasks::ForThisProcess();
  EXPECT_EQ(tasks.dir(), CgroupTasks::ForProcessFile("/proc/self/cgroup", "/sys/fs/cgroup").dir());
  if (tasks.dir().empty()) {
    EXPECT_EQ(tasks.Max(), std::nullopt);
    return;
  }
  std::string max_text;
  std::ifstream(tasks.dir() + "/pids.max") >> max_text;
  ASSERT_FALSE(max_text.empty()) << tasks.dir();
  if (max_text == "max") {
    EXPECT_EQ(tasks.Max(), std::nullopt);
  } else {
    EXPECT_EQ(tasks.Max(), std::stoll(max_text));
    ASSERT_TRUE(tasks.Free().has_value()) << tasks.dir();
    EXPECT_LT(*tasks.Free(), *tasks.Max());  // this process's threads count
  }
}

}  // namespace
}  // namespace fxagent
