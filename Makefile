# ferry — two commands set everything up on a fresh Debian 12 machine:
#   make run    install what is missing, build the daemon only, start it on 127.0.0.1:3000
#   make test   install what is missing, build, run every unit and end-to-end test
#
# Where `make run` listens: `make run PORT=4000 HOST=0.0.0.0` wins; otherwise the
# daemon's own configuration applies (FERRY_PORT / FERRY_HOST, then a --config
# file in FERRY_ARGS, then 127.0.0.1:3000).

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
FERRY_ARGS ?=
# Only PORT= / HOST= given on the make command line become flags (a flag beats
# FERRY_PORT / FERRY_HOST); a PORT or HOST merely in the environment is not ours.
run_flags := $(if $(filter command line,$(origin HOST)),--host $(HOST)) \
             $(if $(filter command line,$(origin PORT)),--port $(PORT))

.PHONY: all deps build run test unit e2e asan conformance bench clean

all: build

deps:
	@scripts/bootstrap.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Builds the daemon alone (a few dozen targets, not the tests and examples).
run: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS) --target ferry
	$(BUILD_DIR)/ferry $(strip $(run_flags)) $(FERRY_ARGS)

test: deps
	@scripts/bootstrap.sh --with-npm
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null
	cmake --build $(BUILD_DIR) -j $(JOBS)
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The unit tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DFERRY_SANITIZE=ON -DFERRY_BUILD_EXAMPLES=OFF > /dev/null
	cmake --build build-asan -j $(JOBS) --target engineio_tests socketio_tests
	cd build-asan && ctest --output-on-failure -L unit -j $(JOBS)

# ferry against Node Socket.IO 4.8, Nchan and a raw ceiling server (bench/README.md); not part of `make test`.
bench: deps
	@bench/run.sh

clean:
	rm -rf $(BUILD_DIR) build-asan
