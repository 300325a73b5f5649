# Thin wrapper over CMake: make demo | test | bench | install.
# Every target first installs the Debian packages it needs (scripts/install-deps).
BUILD      ?= build
ASAN_BUILD ?= build-asan
BENCH_BUILD ?= build-release
PREFIX     ?= /usr/local
JOBS       ?= $(shell nproc)

.PHONY: all deps build test test-fast demo bench install clean

all: build

deps:
	@./scripts/install-deps

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The unit and pipeline suites, then both again under ASan + UBSan.
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSINGER_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L 'unit|pipeline' -LE slow

# Only the normal build's tests (quick loop for developers).
test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@./examples/demo.sh $(BUILD)/bin

bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DSINGER_TESTS=OFF >/dev/null
	cmake --build $(BENCH_BUILD) -j $(JOBS)
	@./tests/bench/run.sh $(BENCH_BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(BENCH_BUILD)
