#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "tests/support/subprocess.h"

namespace fxagent::testing {
namespace {

namespace fs = std::filesystem;

// The newest installed server: /usr/lib/postgresql/<major>/bin.
std::string FindBinDir() {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    if (fs::exists(entry.path() / "bin" / "initdb")) found.push_back(entry.path() / "bin");
  }
  if (found.empty()) return "";
  std::sort(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) <
           std::stoi(b.parent_path().filename().string());
  });
  return found.back().string();
}

bool ChownToServerUser(const std::string& path, std::string* error) {
  if (geteuid() != 0) return true;
  const passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    *error = "running as root and there is no postgres user to run the server as";
    return false;
  }
  if (chown(path.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
    *error = "cannot chown " + path + " to postgres";
    return false;
  }
  return true;
}

// argv run as the postgres user when we are root (the server refuses root).
std::vector<std::string> AsServerUser(std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return argv;
}

// initdb and CREATE DATABASE take seconds (fsyncs); tests copy a template data directory
// made once per machine instead (under a lock, so parallel tests make it once).
bool EnsureTemplate(const std::string& bin, std::string* template_dir, std::string* error);

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::Start(std::string* error) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_ = FindBinDir();
  if (server->bin_.empty()) {
    *error = "no PostgreSQL server under /usr/lib/postgresql (apt-get install postgresql)";
    return nullptr;
  }
  std::string template_dir;
  if (!EnsureTemplate(server->bin_, &template_dir, error)) return nullptr;
  char tmpl[] = "/tmp/fxagent-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    *error = "mkdtemp failed";
    return nullptr;
  }
  server->dir_ = tmpl;
  if (!ChownToServerUser(server->dir_, error)) return nullptr;
  RunResult copy =
      RunCommand(server->dir_,
                 AsServerUser({"/bin/cp", "-a", template_dir + "/data", server->dir_ + "/data"}));
  if (copy.status != 0) {
    *error = "cannot copy the template data directory: " + copy.err;
    return nullptr;
  }
  // A port found free can be taken by a parallel test before the server binds it.
  std::string out;
  for (int attempt = 0; attempt < 3; ++attempt) {
    server->port_ = UnusedPort();
    if (server->Ctl("start", &out)) return server;
  }
  *error = "pg_ctl start failed: " + out;
  return nullptr;
}

namespace {

bool EnsureTemplate(const std::string& bin, std::string* template_dir, std::string* error) {
  const std::string major = fs::path(bin).parent_path().filename().string();
  const std::string dir = "/tmp/fxagent-pg-template-" + major;
  *template_dir = dir;
  const int lock = ::open("/tmp/fxagent-pg-template.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0666);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    *error = "cannot lock the PostgreSQL template";
    if (lock >= 0) ::close(lock);
    return false;
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (fs::exists(dir + "/ready")) return true;
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (!ChownToServerUser(dir, error)) return false;
  RunResult init =
      RunCommand(dir, AsServerUser({bin + "/initdb", "-D", dir + "/data", "-U", "postgres",
                                    "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"}));
  if (init.status != 0) {
    *error = "initdb failed: " + init.err;
    return false;
  }
  const std::string port = std::to_string(UnusedPort());
  RunResult start = RunCommand(
      dir,
      AsServerUser({bin + "/pg_ctl", "-D", dir + "/data", "-w", "-l", dir + "/server.log", "-o",
                    "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1", "start"}));
  if (start.status != 0) {
    *error = "template server did not start: " + start.out + start.err;
    return false;
  }
  RunResult create = RunCommand(dir, {bin + "/psql", "-X", "-q", "-d",
                                      "postgresql://postgres@127.0.0.1:" + port + "/postgres", "-c",
                                      "CREATE DATABASE agent"});
  RunResult stop = RunCommand(
      dir, AsServerUser({bin + "/pg_ctl", "-D", dir + "/data", "-w", "-m", "fast", "stop"}));
  if (create.status != 0 || stop.status != 0) {
    *error = "template database: " + create.err + stop.err;
    return false;
  }
  WriteFile(dir + "/ready", "1");
  return true;
}

}  // namespace

bool PostgresServer::Ctl(const std::string& action, std::string* output) const {
  std::vector<std::string> argv = {bin_ + "/pg_ctl", "-D", dir_ + "/data", "-w", "-t", "60"};
  if (action == "start") {
    argv.insert(argv.end(), {"-l", dir_ + "/server.log", "-o",
                             "-p " + std::to_string(port_) + " -k " + dir_ +
                                 " -c listen_addresses=127.0.0.1 -c max_connections=200"});
  } else {
    argv.insert(argv.end(), {"-m", "immediate"});
  }
  argv.push_back(action);
  RunResult r = RunCommand(dir_, AsServerUser(argv), {}, std::chrono::seconds(90));
  *output = r.out + r.err;
  if (r.status != 0 && action == "start") *output += ReadFile(dir_ + "/server.log");
  return r.status == 0;
}

PostgresServer::~PostgresServer() {
  std::string out;
  Ctl("stop", &out);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string PostgresServer::Url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

bool PostgresServer::Stop() {
  std::string out;
  return Ctl("stop", &out);
}

bool PostgresServer::Restart() {
  std::string out;
  return Ctl("start", &out);
}

std::string PostgresServer::Query(const std::string& sql, const std::string& db) const {
  RunResult r = RunCommand(
      dir_, {bin_ + "/psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", Url(db), "-c", sql});
  if (r.status != 0) return "ERROR: " + r.err;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string PostgresServer::CreateDatabase(const std::string& name) {
  if (name != "agent") Query("CREATE DATABASE " + name);
  return Url(name);
}

}  // namespace fxagent::testing
