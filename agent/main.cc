#include "agent/cli.h"

int main(int argc, char** argv) { return fxagent::RunCli(argc, argv); }
