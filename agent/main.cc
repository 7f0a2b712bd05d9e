#include "agent/cli/cli.h"

int main(int argc, char** argv) { return fxagent::RunCli(argc, argv); }
