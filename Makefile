# Shekara - build, test, demo and benchmarks. See README.md.
#
#   make            build build/bin/{checkpointd,checkpointctl,centrald,centralctl}
#   make test       install missing packages, build, run every test
#   make asan       unit tests and config checks under ASan + UBSan
#   make demo       a throwaway centre and two posts with sample traffic
#   make bench      benchmarks, written to BENCHMARKS.md

BUILD	?= build
CC	?= cc
PKGS	 = libpq libcurl jansson libevent libevent_openssl libevent_pthreads \
	   openssl yaml-0.1 sqlite3
SANITIZE ?=

WARN	 = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla \
	   -Wstrict-prototypes -Wmissing-prototypes
CFLAGS	?= -O2 -g
override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
	   -Icommon -Iproto -Icheckpoint -Icentral -Itests/tools \
	   $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -pthread
override LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
ifneq ($(SANITIZE),)
override CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

COMMON_SRC	= $(wildcard common/*.c)
PROTO_SRC	= $(wildcard proto/*.c)
CK_MAINS	= checkpoint/checkpointd.c checkpoint/checkpointctl.c
CK_CTL_SRC	= $(wildcard checkpoint/ctl_*.c)	# checkpointctl commands
CK_SRC		= $(filter-out $(CK_MAINS) $(CK_CTL_SRC),$(wildcard checkpoint/*.c))
CEN_MAINS	= central/centrald.c central/centralctl.c
CEN_CTL_SRC	= $(wildcard central/cctl_*.c)	# centralctl commands
CEN_SRC		= $(filter-out $(CEN_MAINS) $(CEN_CTL_SRC),$(wildcard central/*.c))
MIGRATIONS	= $(sort $(wildcard central/migrations/*.sql))
WWW		= $(sort $(wildcard central/www/*))

obj		= $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
COMMON_OBJ	= $(call obj,$(COMMON_SRC))
PROTO_OBJ	= $(call obj,$(PROTO_SRC))
CK_OBJ		= $(call obj,$(CK_SRC))
CEN_OBJ		= $(call obj,$(CEN_SRC)) $(BUILD)/obj/gen/migrations.o \
		  $(BUILD)/obj/gen/www.o
BASE_OBJ	= $(PROTO_OBJ) $(COMMON_OBJ)

BINS		= $(BUILD)/bin/checkpointd $(BUILD)/bin/checkpointctl \
		  $(BUILD)/bin/centrald $(BUILD)/bin/centralctl
TEST_SRC	= $(wildcard tests/common/test_*.c tests/proto/test_*.c \
		  tests/checkpoint/test_*.c tests/central/test_*.c)
TESTS		= $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
TOOL_LIB	= tests/tools/gen.c
TOOL_SRC	= $(filter-out $(TOOL_LIB),$(wildcard tests/tools/*.c))
TOOLS		= $(patsubst tests/tools/%.c,$(BUILD)/bin/%,$(TOOL_SRC))

.PHONY: all deps test unit check-configs integration asan demo bench fuzz \
	clean format
all: $(BINS) $(TOOLS)

deps:
	@bash scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed-sql.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-sql.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/www.c: $(WWW) scripts/embed-www.sh
	@mkdir -p $(dir $@)
	bash scripts/embed-www.sh $(WWW) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/www.o: $(BUILD)/gen/www.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/bin/checkpointd: $(BUILD)/obj/checkpoint/checkpointd.o $(CK_OBJ) $(BASE_OBJ)
$(BUILD)/bin/checkpointctl: $(BUILD)/obj/checkpoint/checkpointctl.o \
	$(call obj,$(CK_CTL_SRC)) $(CK_OBJ) $(BASE_OBJ)
$(BUILD)/bin/centrald: $(BUILD)/obj/central/centrald.o $(CEN_OBJ) $(BASE_OBJ)
$(BUILD)/bin/centralctl: $(BUILD)/obj/central/centralctl.o \
	$(call obj,$(CEN_CTL_SRC)) $(CEN_OBJ) $(BASE_OBJ)
$(BUILD)/bin/%: $(BUILD)/obj/tests/tools/%.o $(call obj,$(TOOL_LIB)) $(CK_OBJ) $(BASE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
$(BINS):
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(CK_OBJ) $(CEN_OBJ) $(BASE_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; $$t; done

check-configs: $(BINS)
	@bash tests/check-configs.sh $(BUILD)/bin

integration: $(BINS) $(TOOLS)
	@set -e; for t in $(filter-out tests/integration/lib.sh,\
	    $(wildcard tests/integration/*.sh)); do \
		echo "== $$t"; BIN=$(CURDIR)/$(BUILD)/bin bash $$t; done

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) check-configs
	$(MAKE) asan
	$(MAKE) fuzz
	$(MAKE) integration

asan:
	$(MAKE) BUILD=build/asan SANITIZE=1 CFLAGS="-O1 -g" unit check-configs

fuzz:
	@bash tests/fuzz/run.sh $(or $(FUZZ_SECONDS),60)

demo: deps
	$(MAKE) all
	@bash scripts/demo.sh

bench: deps
	$(MAKE) all
	@bash tests/bench/run.sh

format:
	clang-format -i $(wildcard common/*.[ch] proto/*.[ch] checkpoint/*.[ch] \
		central/*.[ch] tests/*/*.c)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
