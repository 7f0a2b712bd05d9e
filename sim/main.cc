#include "sim/sim_main.h"

int main(int argc, char** argv) { return fxagent::sim::SimMain(argc, argv); }
