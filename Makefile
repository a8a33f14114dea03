# Makefile - build, test and run the CA self-service kiosk.
#
#   make          build everything into build/
#   make test     install missing packages, build, run every test, then run
#                 them again under AddressSanitizer + UndefinedBehaviorSanitizer
#   make run      build and start the product (see README.md)
#   make bench    measure: the sync engine drains 10,000 records to a hub
#   make clean    remove build outputs
#
# Your CFLAGS/CPPFLAGS/LDFLAGS add to the project's. SAN=1 builds with
# ASan+UBSan into build/asan/. Every library comes from pkg-config; when a
# pkg-config check fails, tools/install-deps installs the Debian packages.

# Libraries, by pkg-config name. One list for the check, one per link.
PKGS       = sdl2 SDL2_ttf SDL2_image libqrencode sqlite3 libcurl jansson \
             inih libmicrohttpd openssl googlepinyin cmocka
CORE_PKGS  = jansson libcrypto
KIOSK_PKGS = $(CORE_PKGS) sqlite3 inih libcurl
TEST_PKGS  = cmocka
HUB_PKGS   = $(CORE_PKGS) sqlite3 inih libmicrohttpd libcurl

BUILD ?= build
ifeq ($(SAN),1)
BUILD := $(BUILD)/asan
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
endif

CC      ?= cc
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wundef -Wpointer-arith -Wvla
# `make test` adds -Werror: a warning fails the run.
PROJ_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(WERROR) $(SAN_FLAGS) -MMD -MP
PROJ_LDFLAGS = $(SAN_FLAGS) -pthread

# pkg-config is asked once per make run, after `deps` has made sure the
# packages are there (the variables are expanded lazily, then cached).
pkg_cflags = $(shell pkg-config --cflags $(1))
pkg_libs   = $(shell pkg-config --libs $(1))
KIOSK_CFLAGS = $(eval KIOSK_CFLAGS := $$(call pkg_cflags,$(KIOSK_PKGS) $(TEST_PKGS)))$(KIOSK_CFLAGS)
KIOSK_LIBS   = $(eval KIOSK_LIBS := $$(call pkg_libs,$(KIOSK_PKGS)))$(KIOSK_LIBS)
TEST_LIBS    = $(eval TEST_LIBS := $$(call pkg_libs,$(TEST_PKGS)))$(TEST_LIBS)
HUB_CFLAGS   = $(eval HUB_CFLAGS := $$(call pkg_cflags,$(HUB_PKGS)))$(HUB_CFLAGS)
HUB_LIBS     = $(eval HUB_LIBS := $$(call pkg_libs,$(HUB_PKGS)))$(HUB_LIBS)

# ---- sources, one per line, sorted ----
CORE_SRCS = \
	src/core/app.c \
	src/core/codec.c \
	src/core/err.c \
	src/core/fsm.c \
	src/core/log.c \
	src/core/mask.c \
	src/core/msg.c \
	src/core/pay.c \
	src/core/sign.c \
	src/core/utf8.c \
	src/core/uuid.c \
	src/core/valid.c

KIOSK_SRCS = \
	src/kiosk/config.c \
	src/kiosk/http.c \
	src/kiosk/store.c \
	src/kiosk/sync.c

KIOSK_MAIN = src/kiosk/main.c
SYNC_MAIN  = src/kiosk/sync_main.c

TESTS = \
	tests/core/test_app \
	tests/core/test_codec \
	tests/core/test_fsm \
	tests/core/test_log \
	tests/core/test_pay \
	tests/core/test_sign \
	tests/core/test_utf8 \
	tests/core/test_valid \
	tests/kiosk/test_config \
	tests/kiosk/test_store \
	tests/kiosk/test_sync_engine \
	tests/kiosk/test_sync_hub \
	tests/kiosk/test_sync_store

# The central server (ca-hub), its staff CLI (ca-hubctl) and their tests.
HUB_SRCS = \
	src/hub/api.c \
	src/hub/api_admin.c \
	src/hub/api_feed.c \
	src/hub/api_login.c \
	src/hub/api_records.c \
	src/hub/auth.c \
	src/hub/db.c \
	src/hub/http.c \
	src/hub/hubcfg.c \
	src/hub/pay.c \
	src/hub/paysim.c \
	src/hub/sms.c \
	src/hub/vclock.c

HUB_MAIN    = src/hub/main.c
HUBCTL_MAIN = src/hubctl/main.c

TESTS += \
	tests/hub/test_hub \
	tests/hub/test_hubcfg \
	tests/hub/test_pay

CORE_OBJS  = $(CORE_SRCS:%.c=$(BUILD)/%.o)
KIOSK_OBJS = $(KIOSK_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS  = $(TESTS:%=$(BUILD)/%)
KIOSK_BIN  = $(BUILD)/ca-kiosk
SYNC_BIN   = $(BUILD)/ca-kiosk-sync
FAULTPROXY = $(BUILD)/faultproxy
LIBCORE    = $(BUILD)/libcacore.a
LIBKIOSK   = $(BUILD)/libcakiosk.a

ALL_CFLAGS  = $(PROJ_CFLAGS) $(KIOSK_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(PROJ_LDFLAGS) $(LDFLAGS)

.PHONY: all deps test check fuzz run clean distclean bench
.DELETE_ON_ERROR:
.SECONDARY:

all: $(KIOSK_BIN) $(SYNC_BIN) $(FAULTPROXY) $(TEST_BINS)

# Install what is missing: when a pkg-config check fails, or a tool the
# tests use is absent. Fast when everything is present.
deps:
	@pkg-config --exists $(PKGS) && tools/install-deps --check || tools/install-deps

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCORE): $(CORE_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBKIOSK): $(KIOSK_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(KIOSK_BIN): $(BUILD)/$(KIOSK_MAIN:.c=.o) $(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS)

$(SYNC_BIN): $(BUILD)/$(SYNC_MAIN:.c=.o) $(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS)

# The sync tests' fault-injection proxy (tools/faultproxy.c, OpenSSL).
$(FAULTPROXY): $(BUILD)/tools/faultproxy.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,openssl)

# The sync tests against the real hub also link the hub test helper.
$(BUILD)/tests/kiosk/test_sync_hub: $(BUILD)/tests/kiosk/test_sync_hub.o \
		$(BUILD)/tests/support/hubproc.o $(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

# ---- hub: ca-hub, ca-hubctl, tests/hub (real processes, tests/support/hubproc) ----
HUB_OBJS   = $(HUB_SRCS:%.c=$(BUILD)/%.o)
HUB_BIN    = $(BUILD)/ca-hub
HUBCTL_BIN = $(BUILD)/ca-hubctl
LIBHUB     = $(BUILD)/libcahub.a
HUBPROC    = $(BUILD)/tests/support/hubproc.o

$(BUILD)/src/hub/%.o $(BUILD)/src/hubctl/%.o $(BUILD)/tests/hub/%.o \
$(BUILD)/tests/support/%.o: ALL_CFLAGS += $(HUB_CFLAGS)

$(LIBHUB): $(HUB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(HUB_BIN): $(BUILD)/$(HUB_MAIN:.c=.o) $(LIBHUB) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(HUB_LIBS)

$(HUBCTL_BIN): $(BUILD)/$(HUBCTL_MAIN:.c=.o) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HUB_LIBS)

# HUBPROC is also named below, so make prefers this rule to the generic one.
$(BUILD)/tests/hub/%: $(BUILD)/tests/hub/%.o $(HUBPROC) $(LIBHUB) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HUB_LIBS) $(TEST_LIBS)

all: $(HUB_BIN) $(HUBCTL_BIN) $(HUBPROC)
check: $(HUB_BIN) $(HUBCTL_BIN) $(HUBPROC)

# `make bench`: the sync drain benchmark (BRIEF §8; docs/sync.md). Not in
# `make test`: it measures, it does not pin.
BENCH_SYNC = $(BUILD)/bench-sync
$(BENCH_SYNC): $(BUILD)/tools/bench_sync.o $(BUILD)/tests/support/hubproc.o \
		$(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS)

bench: $(BENCH_SYNC) $(HUB_BIN) $(HUBCTL_BIN)
	$(BENCH_SYNC)

# Test vectors for the USCC and ID-number validators, made by an
# independent implementation (python3-stdnum) at test time.
VECTORS = $(BUILD)/vectors/uscc.txt $(BUILD)/vectors/ric.txt
$(VECTORS): tools/gen-vectors | deps
	@mkdir -p $(@D)
	/usr/bin/python3 tools/gen-vectors --out $(@D)

test: deps
	@$(MAKE) --no-print-directory WERROR=-Werror check
	@$(MAKE) --no-print-directory WERROR=-Werror SAN=1 check
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

check: $(TEST_BINS) $(KIOSK_BIN) $(SYNC_BIN) $(FAULTPROXY) $(VECTORS)
	@CA_VECTORS=$(BUILD)/vectors tools/run-tests "$(if $(SAN),asan+ubsan,plain)" $(TEST_BINS)

# Fuzzing with clang's libFuzzer (+ASan+UBSan): `make fuzz` runs each target
# for FUZZ_SECONDS; `make test` runs a short smoke of each.
FUZZ_SECONDS ?= 60
FUZZ_DIR      = build/fuzz
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all
FUZZERS = \
	codec \
	config \
	input

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRCS) $(KIOSK_SRCS) | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(KIOSK_CFLAGS) -o $@ $^ $(KIOSK_LIBS)

fuzz: $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)
	@tools/run-fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZERS)

run: $(KIOSK_BIN)
	@mkdir -p var/demo
	$(KIOSK_BIN) --config assets/demo.ini

clean:
	rm -rf build out

distclean: clean
	rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
