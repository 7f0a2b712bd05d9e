# Top-level entry points; CMake does the real work in build/.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= 2
CMAKE_FLAGS ?=

PREFIX ?= /usr/local

.PHONY: all deps configure build test demo bench install format lint clean

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

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
	@git ls-files '*.cc' | grep -v '^tests/' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	@rm -rf $(BUILD_DIR)
