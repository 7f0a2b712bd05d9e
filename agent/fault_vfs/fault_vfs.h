/// Test-only storage fault injection for SQLite: a VFS that wraps the default one and,
/// on command, fails writes with SQLITE_FULL (disk full), writes and fsyncs with
/// SQLITE_IOERR, or file opens with SQLITE_CANTOPEN. It also counts xSync calls per file,
/// lets a test hold an fsync (a hook called before each one) and records the PRAGMAs that
/// connections run on their files, so a test can check `synchronous` on a live
/// connection. Installed as SQLite's default VFS, it covers every connection of the
/// process opened after that, without changes to the code that opens them.
///
/// The agent installs it only when the environment variable FXAGENT_TEST_FAULT_VFS names a
/// control file (tests only): the file's content, re-read on every open, write and sync,
/// is the fault ("" or "none", "full", "ioerr", "cantopen"). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace fxagent {

enum class StorageFault {
  kNone,
  kFull,      // xWrite and xTruncate fail with SQLITE_FULL
  kIoError,   // xWrite fails with SQLITE_IOERR_WRITE, xSync with SQLITE_IOERR_FSYNC
  kCantOpen,  // xOpen fails with SQLITE_CANTOPEN (as a data_dir nobody may write)
};

/// Parses "none" (or "") | "full" | "ioerr" | "cantopen", ignoring surrounding
/// whitespace; false on anything else.
bool ParseStorageFault(const std::string& text, StorageFault* fault);

class FaultVfs {
 public:
  /// Registers the shim as SQLite's default VFS once per process (a VFS registration is
  /// process-wide in SQLite, hence the one instance) and returns it.
  static FaultVfs& Install();
  /// Installs the shim when FXAGENT_TEST_FAULT_VFS is set, reading the fault from the file
  /// it names; returns whether it did.
  static bool InstallFromEnv();

  void SetFault(StorageFault fault);
  /// When set, the fault is read from this file on every open, write and sync (a missing
  /// or unreadable file counts as kNone), overriding SetFault.
  void SetControlFile(const std::string& path);
  StorageFault Fault() const;

  /// Successful xSync calls on files whose path ends with `suffix` ("" = every file).
  uint64_t Syncs(const std::string& suffix = "") const;
  /// Called on the syncing thread before each xSync reaches the real file, with the path;
  /// may block to hold the fsync. An empty function removes the hook.
  void SetSyncHook(std::function<void(const std::string& path)> hook);
  /// The last value given to `PRAGMA <name>=<value>` on a file whose path ends with
  /// `suffix`, as written ("" when never set).
  std::string LastPragma(const std::string& suffix, const std::string& name) const;
  /// Forgets the counts and PRAGMAs (not the fault or the hook).
  void ResetCounters();

  struct State;

 private:
  FaultVfs();
  std::shared_ptr<State> state_;
};

}  // namespace fxagent
