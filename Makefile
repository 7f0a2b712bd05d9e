# Top-level entry points; CMake does the real work in build/.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
CMAKE_FLAGS ?=

PREFIX ?= /usr/local

# One clang build directory serves `make test-asan` and `make fuzz`: -DFXAGENT_FUZZ=ON
# builds every library and test with ASan + UBSan (+ LSan) and libFuzzer's coverage, and
# the fuzz targets besides (fuzz/CMakeLists.txt). -O1 with line tables only compiles in
# ~20 % less time than -O2 -g; reports still have file:line.
ASAN_BUILD_DIR ?= build-asan
FUZZ_BUILD_DIR ?= $(ASAN_BUILD_DIR)
SAN_CMAKE_FLAGS = -DCMAKE_CXX_COMPILER=clang++ -DFXAGENT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only"
ASAN_TEST_JOBS ?= 3
FUZZ_SECONDS ?= 30
FUZZ_JOBS ?= 2

.PHONY: all deps configure build test test-asan fuzz demo bench install format lint clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The whole suite (and the fuzz regression inputs) under AddressSanitizer +
# UndefinedBehaviorSanitizer + LeakSanitizer; fails on any sanitizer report, also from
# a process a test started (scripts/run-sanitized-tests).
test-asan:
	@scripts/install-deps --sanitizers
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja $(SAN_CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@scripts/run-sanitized-tests $(ASAN_BUILD_DIR) $(ASAN_TEST_JOBS)

# Each libFuzzer target for FUZZ_SECONDS (FUZZ_JOBS at a time) after replaying
# fuzz/regressions; fails on any crash, leak, timeout or sanitizer report.
fuzz:
	@scripts/install-deps --sanitizers
	@cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja $(SAN_CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) --target fuzz_all -j $(JOBS)
	@FUZZ_JOBS=$(FUZZ_JOBS) scripts/run-fuzzers $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

demo: build
	@$(BUILD_DIR)/agent/flexport-agent demo

bench: build
	@scripts/install-bench-deps
	@bench/footprint/run.sh $(BUILD_DIR)
	@bench/webhook_ingest/run.sh $(BUILD_DIR)
	@bench/proxy/run.sh $(BUILD_DIR)
	@bench/rules/run.sh $(BUILD_DIR)
	@bench/detect/run.sh $(BUILD_DIR)

install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint: build
	@git ls-files '*.cc' | grep -v -e '^tests/' -e '^fuzz/' | xargs clang-tidy -p $(BUILD_DIR) --quiet --extra-arg=-Wno-unknown-warning-option

clean:
	@rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)
