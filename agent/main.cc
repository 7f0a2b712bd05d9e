#include "agent/cli/cli.h"
#include "agent/fault_vfs/fault_vfs.h"

int main(int argc, char** argv) {
  // Tests only: FXAGENT_TEST_FAULT_VFS selects the storage fault-injection shim.
  fxagent::FaultVfs::InstallFromEnv();
  return fxagent::RunCli(argc, argv);
}
