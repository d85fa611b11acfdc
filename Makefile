# Thin wrapper over CMake (whisper.cpp style): every target just calls cmake,
# ctest or a built program.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
DIR ?= tests/data/reference/images
INDEX ?= $(BUILD)/demo-index.db
QUERY ?= a dog playing in the snow
# `make run`: the real models, downloaded into the Hugging Face cache on
# first use. `make demo`: the tiny random-weight checkpoints, offline
# (meaningless rankings).
CLIP ?= openai/clip-vit-base-patch32
BLIP ?= Salesforce/blip-image-captioning-base
DEMO_CLIP ?= tests/data/models/clip-tiny-quickgelu
DEMO_BLIP ?= tests/data/models/blip-tiny
DEMO_INDEX ?= $(BUILD)/demo-tiny-index.db
FUZZ_SECONDS ?= 60
# ccache hits across clones in other folders (CI builds a fresh clone).
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: deps configure build test sanitize fuzz bench run demo ci clean

deps:
	bash third_party/install-deps.sh

configure:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# ASan + UBSan over the torch-free code and its tests (libtorch itself is not
# instrumented; the model parity tests run in the normal build).
sanitize:
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPHOTOIDX_SANITIZE="address;undefined" \
	  -DPHOTOIDX_WITH_TORCH=OFF -DPHOTOIDX_BUILD_BENCH=OFF -DPHOTOIDX_WERROR=ON
	cmake --build build-asan -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS)

# libFuzzer targets (clang), each run FUZZ_SECONDS seconds from the test images.
fuzz:
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DPHOTOIDX_BUILD_FUZZ=ON -DPHOTOIDX_WITH_TORCH=OFF -DPHOTOIDX_BUILD_BENCH=OFF -DPHOTOIDX_BUILD_TESTS=OFF
	cmake --build build-fuzz -j $(JOBS)
	bash tests/fuzz/run_all.sh build-fuzz $(FUZZ_SECONDS)

bench: build
	bash bench/run_all.sh $(BUILD)

# The main job: index DIR (default: the sample photos), print the summary,
# then search it.
run: deps build
	$(BUILD)/app/photoidx build $(DIR) --index $(INDEX) --clip-model $(CLIP) --blip-model $(BLIP)
	$(BUILD)/app/photoidx search "$(QUERY)" --index $(INDEX) --clip-model $(CLIP)

demo: deps build
	$(BUILD)/app/photoidx build $(DIR) --index $(DEMO_INDEX) --clip-model $(DEMO_CLIP) --blip-model $(DEMO_BLIP)
	$(BUILD)/app/photoidx search "$(QUERY)" --index $(DEMO_INDEX) --clip-model $(DEMO_CLIP)

# What CI runs: install, build, every test, then the sanitizer build.
ci: deps test sanitize

clean:
	rm -rf $(BUILD) build-asan build-fuzz
