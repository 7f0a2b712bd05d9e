#include "agent/fault_vfs/fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

namespace fxagent {

struct FaultVfs::State {
  sqlite3_vfs* root = nullptr;  // the default VFS this one wraps
  sqlite3_vfs vfs{};
  std::atomic<StorageFault> fault{StorageFault::kNone};
  mutable std::mutex mu;
  std::string control_file;
  std::function<void(const std::string&)> sync_hook;
  std::map<std::string, uint64_t> syncs;  // path -> count
  struct Pragma {
    std::string path, name, value;
  };
  std::vector<Pragma> pragmas;  // in the order connections ran them

  StorageFault Current() const {
    std::string file;
    {
      std::lock_guard<std::mutex> lock(mu);
      file = control_file;
    }
    if (file.empty()) return fault.load();
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    StorageFault f = StorageFault::kNone;
    ParseStorageFault(text.str(), &f);
    return f;
  }
};

namespace {

using State = FaultVfs::State;

// A file of the shim: its own header, then the real VFS's file object.
struct File {
  sqlite3_file base;
  State* state;
  const char* path;  // SQLite keeps the name valid until xClose; null for temp files
  sqlite3_file* real;
};

constexpr size_t kHeader = (sizeof(File) + 7) & ~size_t{7};

sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }
State* StateOf(sqlite3_file* f) { return reinterpret_cast<File*>(f)->state; }
std::string PathOf(sqlite3_file* f) {
  const char* p = reinterpret_cast<File*>(f)->path;
  return p == nullptr ? std::string() : std::string(p);
}

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Real(f)->pMethods->xRead(Real(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  switch (StateOf(f)->Current()) {
    case StorageFault::kFull:
      return SQLITE_FULL;
    case StorageFault::kIoError:
      return SQLITE_IOERR_WRITE;
    default:
      return Real(f)->pMethods->xWrite(Real(f), buf, n, off);
  }
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (StateOf(f)->Current() == StorageFault::kFull) return SQLITE_FULL;
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  State* s = StateOf(f);
  const std::string path = PathOf(f);
  std::function<void(const std::string&)> hook;
  {
    std::lock_guard<std::mutex> lock(s->mu);
    hook = s->sync_hook;
  }
  if (hook) hook(path);
  if (s->Current() == StorageFault::kIoError) return SQLITE_IOERR_FSYNC;
  const int rc = Real(f)->pMethods->xSync(Real(f), flags);
  if (rc == SQLITE_OK) {
    std::lock_guard<std::mutex> lock(s->mu);
    ++s->syncs[path];
  }
  return rc;
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  if (op == SQLITE_FCNTL_PRAGMA) {
    char** args = static_cast<char**>(arg);
    if (args[1] != nullptr && args[2] != nullptr) {
      State* s = StateOf(f);
      std::lock_guard<std::mutex> lock(s->mu);
      s->pragmas.push_back({PathOf(f), args[1], args[2]});
    }
  }
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return Real(f)->pMethods->xShmUnmap(Real(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), off, p);
}

// One method table per io_methods version, so the shim never claims methods (shared
// memory for WAL, memory mapping) that the real file lacks.
sqlite3_io_methods MakeMethods(int version) {
  sqlite3_io_methods m{};
  m.iVersion = version;
  m.xClose = Close;
  m.xRead = Read;
  m.xWrite = Write;
  m.xTruncate = Truncate;
  m.xSync = Sync;
  m.xFileSize = FileSize;
  m.xLock = Lock;
  m.xUnlock = Unlock;
  m.xCheckReservedLock = CheckReservedLock;
  m.xFileControl = FileControl;
  m.xSectorSize = SectorSize;
  m.xDeviceCharacteristics = DeviceCharacteristics;
  if (version >= 2) {
    m.xShmMap = ShmMap;
    m.xShmLock = ShmLock;
    m.xShmBarrier = ShmBarrier;
    m.xShmUnmap = ShmUnmap;
  }
  if (version >= 3) {
    m.xFetch = Fetch;
    m.xUnfetch = Unfetch;
  }
  return m;
}
const sqlite3_io_methods kMethods[3] = {MakeMethods(1), MakeMethods(2), MakeMethods(3)};

State* VfsState(sqlite3_vfs* vfs) { return static_cast<State*>(vfs->pAppData); }
sqlite3_vfs* Root(sqlite3_vfs* vfs) { return VfsState(vfs)->root; }

int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* out, int flags, int* out_flags) {
  State* s = VfsState(vfs);
  File* file = reinterpret_cast<File*>(out);
  file->base.pMethods = nullptr;
  file->state = s;
  file->path = name;
  file->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(out) + kHeader);
  if (s->Current() == StorageFault::kCantOpen) return SQLITE_CANTOPEN;
  const int rc = s->root->xOpen(s->root, name, file->real, flags, out_flags);
  if (file->real->pMethods != nullptr) {
    const int version = std::min(std::max(file->real->pMethods->iVersion, 1), 3);
    file->base.pMethods = &kMethods[version - 1];
  }
  return rc;
}
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Root(vfs)->xDelete(Root(vfs), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Root(vfs)->xAccess(Root(vfs), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Root(vfs)->xFullPathname(Root(vfs), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) { return Root(vfs)->xDlOpen(Root(vfs), name); }
void DlError(sqlite3_vfs* vfs, int n, char* out) { Root(vfs)->xDlError(Root(vfs), n, out); }
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Root(vfs)->xDlSym(Root(vfs), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Root(vfs)->xDlClose(Root(vfs), handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Root(vfs)->xRandomness(Root(vfs), n, out);
}
int SleepFor(sqlite3_vfs* vfs, int us) { return Root(vfs)->xSleep(Root(vfs), us); }
int CurrentTime(sqlite3_vfs* vfs, double* out) { return Root(vfs)->xCurrentTime(Root(vfs), out); }
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Root(vfs)->xGetLastError(Root(vfs), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Root(vfs)->xCurrentTimeInt64(Root(vfs), out);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

bool ParseStorageFault(const std::string& text, StorageFault* fault) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  const std::string word = begin == std::string::npos
                               ? ""
                               : text.substr(begin, text.find_last_not_of(" \t\r\n") + 1 - begin);
  static const std::map<std::string, StorageFault> kWords = {{"", StorageFault::kNone},
                                                             {"none", StorageFault::kNone},
                                                             {"full", StorageFault::kFull},
                                                             {"ioerr", StorageFault::kIoError},
                                                             {"cantopen", StorageFault::kCantOpen}};
  const auto it = kWords.find(word);
  if (it == kWords.end()) return false;
  *fault = it->second;
  return true;
}

FaultVfs::FaultVfs() : state_(std::make_shared<State>()) {
  sqlite3_initialize();
  State& s = *state_;
  s.root = sqlite3_vfs_find(nullptr);
  s.vfs.iVersion = 2;
  s.vfs.szOsFile = static_cast<int>(kHeader) + s.root->szOsFile;
  s.vfs.mxPathname = s.root->mxPathname;
  s.vfs.zName = "fxagent-fault";
  s.vfs.pAppData = &s;
  s.vfs.xOpen = Open;
  s.vfs.xDelete = Delete;
  s.vfs.xAccess = Access;
  s.vfs.xFullPathname = FullPathname;
  s.vfs.xDlOpen = DlOpen;
  s.vfs.xDlError = DlError;
  s.vfs.xDlSym = DlSym;
  s.vfs.xDlClose = DlClose;
  s.vfs.xRandomness = Randomness;
  s.vfs.xSleep = SleepFor;
  s.vfs.xCurrentTime = CurrentTime;
  s.vfs.xGetLastError = GetLastError;
  s.vfs.xCurrentTimeInt64 = CurrentTimeInt64;
  sqlite3_vfs_register(&s.vfs, /*makeDflt=*/1);
}

FaultVfs& FaultVfs::Install() {
  // Never destroyed: SQLite keeps a pointer to the registered VFS until the process ends.
  static FaultVfs* vfs = new FaultVfs();
  return *vfs;
}

bool FaultVfs::InstallFromEnv() {
  const char* control = std::getenv("FXAGENT_TEST_FAULT_VFS");
  if (control == nullptr || *control == '\0') return false;
  Install().SetControlFile(control);
  return true;
}

void FaultVfs::SetFault(StorageFault fault) { state_->fault = fault; }

void FaultVfs::SetControlFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->control_file = path;
}

StorageFault FaultVfs::Fault() const { return state_->Current(); }

uint64_t FaultVfs::Syncs(const std::string& suffix) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  uint64_t total = 0;
  for (const auto& [path, n] : state_->syncs) {
    if (EndsWith(path, suffix)) total += n;
  }
  return total;
}

void FaultVfs::SetSyncHook(std::function<void(const std::string& path)> hook) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->sync_hook = std::move(hook);
}

std::string FaultVfs::LastPragma(const std::string& suffix, const std::string& name) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  for (auto it = state_->pragmas.rbegin(); it != state_->pragmas.rend(); ++it) {
    if (it->name == name && EndsWith(it->path, suffix)) return it->value;
  }
  return "";
}

void FaultVfs::ResetCounters() {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->syncs.clear();
  state_->pragmas.clear();
}

}  // namespace fxagent
