# Makefile - build, test and run the CA self-service kiosk.
#
#   make          build everything into build/
#   make test     install missing packages, build, run every test, then run
#                 them again under AddressSanitizer + UndefinedBehaviorSanitizer
#   make run      build and start the product (see README.md)
#   make clean    remove build outputs
#
# Your CFLAGS/CPPFLAGS/LDFLAGS add to the project's. SAN=1 builds with
# ASan+UBSan into build/asan/. Every library comes from pkg-config; when a
# pkg-config check fails, tools/install-deps installs the Debian packages.

# Libraries, by pkg-config name. One list for the check, one per link.
PKGS       = sdl2 SDL2_ttf SDL2_image libqrencode sqlite3 libcurl jansson \
             inih libmicrohttpd openssl googlepinyin cmocka
CORE_PKGS  = jansson libcrypto
KIOSK_PKGS = $(CORE_PKGS) sqlite3 inih
TEST_PKGS  = cmocka

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
PROJ_LDFLAGS = $(SAN_FLAGS)

# pkg-config is asked once per make run, after `deps` has made sure the
# packages are there (the variables are expanded lazily, then cached).
pkg_cflags = $(shell pkg-config --cflags $(1))
pkg_libs   = $(shell pkg-config --libs $(1))
KIOSK_CFLAGS = $(eval KIOSK_CFLAGS := $$(call pkg_cflags,$(KIOSK_PKGS) $(TEST_PKGS)))$(KIOSK_CFLAGS)
KIOSK_LIBS   = $(eval KIOSK_LIBS := $$(call pkg_libs,$(KIOSK_PKGS)))$(KIOSK_LIBS)
TEST_LIBS    = $(eval TEST_LIBS := $$(call pkg_libs,$(TEST_PKGS)))$(TEST_LIBS)

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
	src/kiosk/store.c

KIOSK_MAIN = src/kiosk/main.c

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
	tests/kiosk/test_store

CORE_OBJS  = $(CORE_SRCS:%.c=$(BUILD)/%.o)
KIOSK_OBJS = $(KIOSK_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS  = $(TESTS:%=$(BUILD)/%)
KIOSK_BIN  = $(BUILD)/ca-kiosk
LIBCORE    = $(BUILD)/libcacore.a
LIBKIOSK   = $(BUILD)/libcakiosk.a

ALL_CFLAGS  = $(PROJ_CFLAGS) $(KIOSK_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(PROJ_LDFLAGS) $(LDFLAGS)

.PHONY: all deps test check fuzz run clean distclean
.DELETE_ON_ERROR:
.SECONDARY:

all: $(KIOSK_BIN) $(TEST_BINS)

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

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBKIOSK) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

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

check: $(TEST_BINS) $(KIOSK_BIN) $(VECTORS)
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
