// Runs the flexport-sim binary: start-up line, port file, API on that port, exit codes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace fxagent::sim {
namespace {

struct Child {
  pid_t pid = -1;
  int out_fd = -1;
};

Child Spawn(std::vector<std::string> args) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    args.insert(args.begin(), FLEXPORT_SIM_BINARY);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(FLEXPORT_SIM_BINARY, argv.data());
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

/// Reads stdout until the first newline, with a deadline.
std::string ReadLine(int fd) {
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

int WaitExit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(SimCliTest, ServesAndExitsCleanlyOnSigterm) {
  char dir_template[] = "/tmp/flexport-sim-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string port_file = std::string(dir_template) + "/port";
  Child child = Spawn({"--listen", "127.0.0.1:0", "--port-file", port_file, "--api-key", "cli-key",
                       "--latency-ms", "0", "--quiet"});
  ASSERT_GT(child.pid, 0);
  const std::string line = ReadLine(child.out_fd);
  ASSERT_EQ(line.rfind("flexport-sim listening on http://127.0.0.1:", 0), 0u) << line;
  const int port = std::stoi(line.substr(line.rfind(':') + 1));

  // The port file is written right after the line; it is complete whenever it exists.
  std::string content;
  for (int i = 0; i < 1000 && content.empty(); ++i) {
    std::ifstream in(port_file);
    std::getline(in, content);
    if (content.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(content, std::to_string(port));

  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/shipments?per=1",
                        {{"Authorization", "Bearer cli-key"}, {"Flexport-Version", "2"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);

  kill(child.pid, SIGTERM);
  EXPECT_EQ(WaitExit(child.pid), 0);
  close(child.out_fd);
  std::filesystem::remove_all(dir_template);
}

TEST(SimCliTest, VersionAndUsageErrors) {
  Child version = Spawn({"--version"});
  EXPECT_EQ(ReadLine(version.out_fd).rfind("flexport-sim ", 0), 0u);
  EXPECT_EQ(WaitExit(version.pid), 0);
  close(version.out_fd);

  Child bad = Spawn({"--scenario", "no_such_scenario", "--quiet"});
  EXPECT_EQ(WaitExit(bad.pid), 2);
  close(bad.out_fd);

  Child bad_listen = Spawn({"--listen", "nowhere"});
  EXPECT_EQ(WaitExit(bad_listen.pid), 2);
  close(bad_listen.out_fd);
}

}  // namespace
}  // namespace fxagent::sim
