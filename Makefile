# Top-level entry points; CMake does the real work in build/.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
CMAKE_FLAGS ?=

PREFIX ?= /usr/local

FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 30
ASAN_BUILD_DIR ?= build-asan

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

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer).
test-asan: deps
	@cmake -S . -B $(ASAN_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFXAGENT_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS)
	@cd $(ASAN_BUILD_DIR) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS) --timeout 600

# libFuzzer targets (clang), each run for FUZZ_SECONDS after replaying fuzz/regressions.
fuzz:
	@scripts/install-deps --fuzz
	@cmake -S . -B $(FUZZ_BUILD_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DFXAGENT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(FUZZ_BUILD_DIR) --target fuzz_all -j $(JOBS)
	@scripts/run-fuzzers $(FUZZ_BUILD_DIR) $(FUZZ_SECONDS)

demo: build
	@$(BUILD_DIR)/agent/flexport-agent demo

bench: build
	@scripts/install-bench-deps
	@bench/footprint/run.sh $(BUILD_DIR)
	@bench/webhook_ingest/run.sh $(BUILD_DIR)
	@$(BUILD_DIR)/bench/proxy/proxy_bench
	@bench/rules/run.sh $(BUILD_DIR)
	@bench/detect/run.sh $(BUILD_DIR)

install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

lint: build
	@git ls-files '*.cc' | grep -v -e '^tests/' -e '^fuzz/' | xargs clang-tidy -p $(BUILD_DIR) --quiet --extra-arg=-Wno-unknown-warning-option

clean:
	@rm -rf $(BUILD_DIR)
