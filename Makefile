# Thin wrapper over CMake. `make demo` and `make test` work on a fresh Debian machine as root.
JOBS      ?= $(shell nproc)
BUILD     ?= build
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build demo test test-fast test-asan test-tsan bench clean

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/castnet bench zoo:resnet50

# The hostile-input, kernel and concurrency suites under AddressSanitizer+UBSan and
# ThreadSanitizer (each one ctest entry running a gtest filter; -V shows GoogleTest's own count),
# then the whole suite in the optimised build, whose summary closes the run.
test: test-asan test-tsan test-fast

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD)-asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DCASTNET_SANITIZE=address,undefined \
	  -DCASTNET_SANITIZE_TEST_FILTER='BadInput*:OnnxImport*:Reference*:OnnxConformance*:ZooSmall*:ConvAlgorithms*:Fusion*:Concurrency*:Cli*:Kernels*:CustomOp*:ConvWinograd*:InplaceMemory*:InvertedResidual*:BottleneckFusion*:DwconvKernel*:ConvStem*:ConvDirectPartition*:PoolNchwc*:AutotuneTest*-BottleneckFusion.ResNet50*:InplaceMemory.ZooModels*'
	cmake --build $(BUILD)-asan -j $(JOBS) --target castnet_tests castnet_cli
	cd $(BUILD)-asan && ctest -V

test-tsan: deps
	cmake -S . -B $(BUILD)-tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DCASTNET_SANITIZE=thread -DCASTNET_SANITIZE_TEST_FILTER='Concurrency*:ThreadPool*:CustomOp*:AutotuneTest.ConcurrentSessionsMergeTheirChoices'
	cmake --build $(BUILD)-tsan -j $(JOBS) --target castnet_tests castnet_cli
	cd $(BUILD)-tsan && ctest -V

bench: deps
	./scripts/install-deps.sh --bench
	cmake -S . -B $(BUILD) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DCASTNET_BUILD_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan
