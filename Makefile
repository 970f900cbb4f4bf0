# benchtrack: top-level entry points. The build itself is CMake (build/).
#   make run    install what is missing, build, run the attention demo and the
#               inference suite's performance preset, print the tables,
#               store the runs, write their reports (build/report/,
#               build/report-inference/) and the
#               dashboard of the store (benchmark_results/dashboard/)
#   make test   install what is missing, build, run every test (ctest)
#   make deps   install what is missing, and try the optional packages
#   make        build only (installs no package: a missing one stops cmake);
#               TARGETS=... builds those CMake targets only
#   make fuzz   install what is missing, build the fuzzing harnesses with
#               clang (FUZZ_BUILD, default build-fuzz) and run each for
#               FUZZ_TIME seconds (default 60), FUZZ_JOBS at a time
#               (docs/internals/FUZZING.md); a finding fails it
#   make install [PREFIX=DIR] [DESTDIR=DIR]
#               install into PREFIX (default: the configured prefix,
#               /usr/local), staged under DESTDIR when given; a PREFIX other
#               than the configured one reconfigures first, so that the
#               layout is the one for PREFIX (lib/<multiarch> under /usr)
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
PREFIX     ?=
DESTDIR    ?=
TARGETS    ?=
# make run: the production range (1K..16K tokens) with few samples so the
# whole demo takes a few minutes on 2 cores; naive attention stops at 8K
# (its N x N score matrix costs ~40 s and 1 GiB per call at 16K).
RUN_FLAGS  ?= --warmup-iterations 1 --measurement-iterations 5 \
	      --exclude '^naive/seq_len=(12288|16384)/'
# make run, inference: the suite's performance preset on the tiny and
# small models (built with the suite), 3 samples a case; eager on the
# small model at a 1024-token prompt (~13 s a call) is left to a full run.
INFER_FLAGS ?= --suite-preset performance --warmup-iterations 0 \
	       --measurement-iterations 3 \
	       --exclude '^(generate|memory)\.eager/model=small/.*prompt_len=1024'

FUZZ_BUILD ?= build-fuzz
FUZZ_TIME  ?= 60
FUZZ_JOBS  ?= $(JOBS)

.PHONY: all deps deps-required build run test test-sanitize fuzz install clean

all: build

deps:
	@bash scripts/install-deps.sh --optional

deps-required:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(if $(PREFIX),-DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX)))

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) $(if $(TARGETS),--target $(TARGETS))

# run and test install what is missing first (deps-required, then build:
# one after the other, also under make -j)
run: deps-required
	@$(MAKE) --no-print-directory build
	$(BUILD)/benchtrack run $(BUILD)/attention --out $(BUILD)/attention-run.json $(RUN_FLAGS)
	$(BUILD)/benchtrack report $(BUILD)/attention-run.json --format md --out $(BUILD)/report
	$(BUILD)/benchtrack run $(BUILD)/inference --out $(BUILD)/inference-run.json $(INFER_FLAGS)
	$(BUILD)/benchtrack report $(BUILD)/inference-run.json --format md --out $(BUILD)/report-inference
	$(BUILD)/benchtrack dashboard

test: deps-required
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-sanitize: deps-required
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DBT_SANITIZE=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	# handle_segv=0: a crashing fixture case must die by SIGSEGV, as without
	# ASan; RLIMIT_AS cannot bound an ASan process, so --memory-limit is not
	# applied there and max_allocation_size_mb plays its part for the OOM
	# fixture (an allocation above 300 MiB fails).
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:handle_segv=0:max_allocation_size_mb=300 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# fuzz: the library once with libFuzzer's coverage and the sanitizers,
# then every harness (scripts/fuzz.sh)
fuzz: deps-required
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBT_FUZZ=ON \
		-DBT_BUILD_TESTS=OFF -DBT_WITH_MPI=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target bt_fuzz
	FUZZ_TIME=$(FUZZ_TIME) FUZZ_JOBS=$(FUZZ_JOBS) bash scripts/fuzz.sh $(FUZZ_BUILD)/bt_fuzz .

install: build
ifneq ($(PREFIX),)
	@if [ "$$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' $(BUILD)/CMakeCache.txt)" != "$(abspath $(PREFIX))" ]; then \
		echo "cmake $(BUILD) -DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX))"; \
		cmake $(BUILD) -DCMAKE_INSTALL_PREFIX=$(abspath $(PREFIX)) >/dev/null; fi
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(BUILD) --prefix $(abspath $(PREFIX))
else
	DESTDIR=$(if $(DESTDIR),$(abspath $(DESTDIR))) cmake --install $(BUILD)
endif

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
