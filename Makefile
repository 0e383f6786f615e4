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

clean:
	rm -rf $(BUILD_DIR)
