# Armature: `make run` starts the mesh, `make test` runs every test. Both install what
# is missing first (Debian packages via apt, npm tools from package-lock.json).
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

SOURCES := $(shell find libs services tools tests bench fuzz \( -name '*.cc' -o -name '*.h' \) 2>/dev/null)

.PHONY: all setup configure build test run lint format fuzz bench clean

all: build

setup:
	@scripts/setup.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 300

run: build
	@BUILD_DIR=$(BUILD_DIR) scripts/run-mesh.sh

lint: setup
	clang-format --dry-run --Werror $(SOURCES)
	node_modules/.bin/buf lint

format:
	clang-format -i $(SOURCES)

# Micro-benchmarks, then every service against a bare gRPC echo (bench/run_bench.py); results
# in bench/results/latest.{md,json}. Knobs (BENCH_SECONDS, BENCH_REPEATS, ...): docs/benchmarks.md.
bench: build
	BUILD_DIR=$(BUILD_DIR) /usr/bin/python3 bench/run_bench.py

# Fuzz the manifest parser and builder for FUZZ_SECONDS (clang, ASan+UBSan, own build dir).
FUZZ_SECONDS ?= 60
fuzz:
	@ARMATURE_SETUP_FUZZ=1 scripts/setup.sh
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DARMATURE_FUZZ=ON \
	  -DARMATURE_BUILD_TESTS=OFF -DARMATURE_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS) --target manifest_fuzzer
	mkdir -p build-fuzz/corpus
	build-fuzz/fuzz/manifest_fuzzer -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 \
	  -rss_limit_mb=2048 build-fuzz/corpus fuzz/corpus/manifest

clean:
	rm -rf $(BUILD_DIR)
