# Makefile - build, test and run the CA self-service kiosk.
#
#   make          build everything into build/
#   make test     install missing packages, build, run every test, then run
#                 them again under AddressSanitizer + UndefinedBehaviorSanitizer
#                 (the flow plans, the slow end-to-end part, in that pass only)
#   make run      build and start the product (see README.md)
#   make bench    measure: the sync drain, UI frames, pinyin, the kiosk app
#   make install  the programs, configs, units and man pages (PREFIX, DESTDIR;
#                 docs/install.md)
#   make deb      the ca-kiosk and ca-hub Debian packages (debian/)
#   make clean    remove build outputs
#
# Your CFLAGS/CPPFLAGS/LDFLAGS add to the project's. SAN=1 builds with
# ASan+UBSan into build/asan/. Every library comes from pkg-config; when a
# pkg-config check fails, tools/install-deps installs the Debian packages.

# Libraries, by pkg-config name. One list for the check, one per link.
PKGS       = sdl2 SDL2_ttf SDL2_image libpng libqrencode sqlite3 libcurl jansson \
             inih libmicrohttpd openssl googlepinyin cmocka cairo freetype2 wayland-client \
             wayland-protocols wayland-scanner
CORE_PKGS  = jansson libcrypto
KIOSK_PKGS = $(CORE_PKGS) sqlite3 inih libcurl
TEST_PKGS  = cmocka
HUB_PKGS   = $(CORE_PKGS) sqlite3 inih libmicrohttpd libcurl cairo freetype2

# `make` alone builds everything (the first rule below is a pattern rule
# with an order-only prerequisite, which make would otherwise take).
.DEFAULT_GOAL := all

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
# The kiosk's programs load libcurl when they first talk to the hub
# (src/kiosk/http.c), so they do not link it; tests and tools do.
KIOSK_RUN_LIBS = $(eval KIOSK_RUN_LIBS := $$(call pkg_libs,$(filter-out libcurl,$(KIOSK_PKGS))))$(KIOSK_RUN_LIBS)
TEST_LIBS    = $(eval TEST_LIBS := $$(call pkg_libs,$(TEST_PKGS)))$(TEST_LIBS)
HUB_CFLAGS   = $(eval HUB_CFLAGS := $$(call pkg_cflags,$(HUB_PKGS)))$(HUB_CFLAGS)
HUB_LIBS     = $(eval HUB_LIBS := $$(call pkg_libs,$(HUB_PKGS)))$(HUB_LIBS)

# The product's one version (src/core/version.h), from git through
# tools/version (a release tag, else VERSION~dev.gHASH); version.o is
# rebuilt when it changes (the stamp file is rewritten only then).
CA_VERSION := $(shell tools/version 2>/dev/null || echo 0.0.0~unknown)

# ---- sources, one per line, sorted ----
CORE_SRCS = \
	src/core/app.c \
	src/core/clock.c \
	src/core/codec.c \
	src/core/cst.c \
	src/core/err.c \
	src/core/fsm.c \
	src/core/log.c \
	src/core/mask.c \
	src/core/msg.c \
	src/core/pay.c \
	src/core/sign.c \
	src/core/utf8.c \
	src/core/uuid.c \
	src/core/valid.c \
	src/core/version.c

# Infrastructure the kiosk, the hub and the UI share (src/common):
# private files, durable saves, INI lines, sd_notify, SQLite errors, wiping.
COMMON_SRCS = \
	src/common/filesave.c \
	src/common/fsperm.c \
	src/common/iniline.c \
	src/common/sdnotify.c \
	src/common/sqlerr.c \
	src/common/sqlkit.c \
	src/common/wipe.c

KIOSK_SRCS = \
	src/kiosk/config.c \
	src/kiosk/dispenser.c \
	src/kiosk/dispenser_serial.c \
	src/kiosk/dispenser_sim.c \
	src/kiosk/dispproto.c \
	src/kiosk/http.c \
	src/kiosk/store.c \
	src/kiosk/sync.c

KIOSK_MAIN = src/kiosk/main.c
SYNC_MAIN  = src/kiosk/sync_main.c
# Linked into the kiosk's programs only (not the tests): every freed heap
# block is zeroed (src/kiosk/zfree.c, docs/privacy.md).
ZFREE_OBJ  = $(BUILD)/src/kiosk/zfree.o

TESTS = \
	tests/common/test_filesave \
	tests/common/test_sqlkit \
	tests/core/test_app \
	tests/core/test_clock \
	tests/core/test_codec \
	tests/core/test_fsm \
	tests/core/test_log \
	tests/core/test_pay \
	tests/core/test_sign \
	tests/core/test_utf8 \
	tests/core/test_valid \
	tests/kiosk/test_config \
	tests/kiosk/test_dispenser \
	tests/kiosk/test_health \
	tests/kiosk/test_online \
	tests/kiosk/test_start \
	tests/kiosk/test_store \
	tests/kiosk/test_sync_engine \
	tests/kiosk/test_sync_hub \
	tests/kiosk/test_sync_restore \
	tests/kiosk/test_sync_store

# The central server (ca-hub), its staff CLI (ca-hubctl) and their tests.
HUB_SRCS = \
	src/hub/api.c \
	src/hub/api_admin.c \
	src/hub/api_feed.c \
	src/hub/api_fleet.c \
	src/hub/api_invoice.c \
	src/hub/api_login.c \
	src/hub/api_pages.c \
	src/hub/api_records.c \
	src/hub/auth.c \
	src/hub/datadir.c \
	src/hub/db.c \
	src/hub/http.c \
	src/hub/hubcfg.c \
	src/hub/invoice_pdf.c \
	src/hub/pay.c \
	src/hub/paysim.c \
	src/hub/sms.c \
	src/hub/vclock.c

HUB_MAIN    = src/hub/main.c
HUBCTL_MAIN = src/hubctl/main.c

TESTS += \
	tests/hub/test_datadir \
	tests/hub/test_epoch \
	tests/hub/test_fleet \
	tests/hub/test_hub \
	tests/hub/test_hubcfg \
	tests/hub/test_invoice \
	tests/hub/test_limits \
	tests/hub/test_notify \
	tests/hub/test_pay \
	tests/hub/test_sessions

# The flow-script language (src/ui/script.c, docs/flows.md): parser and
# executor, no SDL, so it sits in the kiosk library the tests and fuzzers link.
KIOSK_SRCS += \
	src/ui/script.c

# The interactive-call worker (src/kiosk/online.c, online.h): SMS code,
# login and payment calls off the UI thread.
KIOSK_SRCS += \
	src/kiosk/online.c

# On-site pickup through the dispenser (src/kiosk/pickup.c, pickup.h): the
# worker that owns the device, dispense intents in the store, recovery.
KIOSK_SRCS += \
	src/kiosk/pickup.c

TESTS += \
	tests/kiosk/test_pickup

TESTS += \
	tests/ui/test_script

# The on-screen keyboard model and the googlepinyin wrapper (src/ui/ime.c,
# src/ui/keyboard.c, docs/keyboard.md): no SDL, own library; the rules are
# below the hub's.
IME_SRCS = \
	src/ui/ime.c \
	src/ui/keyboard.c

TESTS += \
	tests/ui/test_ime \
	tests/ui/test_keyboard

# The UI foundation (src/ui/ui.c, theme.c, render.c, docs/ui.md): widgets
# that emit draw commands, and the one SDL renderer; rules below the keyboard's.
UI_PKGS = sdl2 SDL2_ttf libpng libqrencode wayland-client
UI_SRCS = \
	src/ui/render.c \
	src/ui/theme.c \
	src/ui/ui.c \
	src/ui/wlshm.c \
	src/ui/wlwin.c

TESTS += \
	tests/ui/test_render \
	tests/ui/test_theme \
	tests/ui/test_ui

CORE_OBJS  = $(CORE_SRCS:%.c=$(BUILD)/%.o)
COMMON_OBJS = $(COMMON_SRCS:%.c=$(BUILD)/%.o)
KIOSK_OBJS = $(KIOSK_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS  = $(TESTS:%=$(BUILD)/%)
KIOSK_BIN  = $(BUILD)/ca-kiosk
SYNC_BIN   = $(BUILD)/ca-kiosk-sync
FAULTPROXY = $(BUILD)/faultproxy
DISPSIM    = $(BUILD)/dispenser-sim
LIBCORE    = $(BUILD)/libcacore.a
LIBCOMMON  = $(BUILD)/libcacommon.a
LIBKIOSK   = $(BUILD)/libcakiosk.a

ALL_CFLAGS  = $(PROJ_CFLAGS) $(KIOSK_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(PROJ_LDFLAGS) $(LDFLAGS)

.PHONY: all deps test check fuzz run clean distclean bench layers
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
# Naming the test objects as targets keeps them (they are not intermediate
# files make would delete). Not a global .SECONDARY: with it, an object
# added to a library later is never built while the archive is newer than
# its source.
$(TESTS:%=$(BUILD)/%.o): | deps

# Install what is missing: when a pkg-config check fails, or a tool the
# tests use is absent. Fast when everything is present.
# NO_DEPS=1 (the package build, debian/rules): build with what is there.
deps:
ifneq ($(NO_DEPS),1)
	@pkg-config --exists $(PKGS) && tools/install-deps --check || tools/install-deps
endif

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The version: a stamp holding CA_VERSION, rewritten only when it changes.
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CA_VERSION)' | cmp -s - $@ || echo '$(CA_VERSION)' > $@
$(BUILD)/src/core/version.o: $(BUILD)/version.stamp
$(BUILD)/src/core/version.o: ALL_CFLAGS += -DCA_VERSION='"$(CA_VERSION)"'
.PHONY: FORCE
FORCE:

# Every library (libca*.a) is its objects in one archive; each names its
# objects beside its folder's sources below.
$(BUILD)/libca%.a:
	rm -f $@
	$(AR) rcs $@ $^

$(LIBCORE): $(CORE_OBJS)

$(LIBCOMMON): $(COMMON_OBJS)

$(LIBKIOSK): $(KIOSK_OBJS)

$(SYNC_BIN): $(BUILD)/$(SYNC_MAIN:.c=.o) $(ZFREE_OBJ) $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_RUN_LIBS)

# The sync tests' fault-injection proxy (tools/faultproxy.c, OpenSSL).
$(FAULTPROXY): $(BUILD)/tools/faultproxy.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,openssl)

# The key dispenser device simulator on a pty (tools/dispenser_sim.c,
# docs/dispenser.md): the frame codec only.
$(DISPSIM): $(BUILD)/tools/dispenser_sim.o $(BUILD)/src/kiosk/dispproto.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# The sync tests against the real hub also link the hub test helper.
$(BUILD)/tests/kiosk/test_sync_hub: $(BUILD)/tests/kiosk/test_sync_hub.o \
		$(BUILD)/tests/support/hubproc.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

# The restore test (hub backup and restore under a running kiosk engine), likewise.
$(BUILD)/tests/kiosk/test_sync_restore: $(BUILD)/tests/kiosk/test_sync_restore.o \
		$(BUILD)/tests/support/hubproc.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

# The pickup worker's tests push a fault record to the real hub, likewise,
# and drive the dispenser simulator (tests/support/dispsim), as the
# dispenser's own tests do.
$(BUILD)/tests/kiosk/test_pickup: $(BUILD)/tests/kiosk/test_pickup.o \
		$(BUILD)/tests/support/hubproc.o $(BUILD)/tests/support/dispsim.o \
		$(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

$(BUILD)/tests/kiosk/test_dispenser: $(BUILD)/tests/kiosk/test_dispenser.o \
		$(BUILD)/tests/support/dispsim.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

# The kiosks' health at the real hub (heartbeats, ca-hubctl fleet), likewise.
$(BUILD)/tests/kiosk/test_health: $(BUILD)/tests/kiosk/test_health.o \
		$(BUILD)/tests/support/hubproc.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

# The interactive-call worker against the real hub, likewise.
$(BUILD)/tests/kiosk/test_online: $(BUILD)/tests/kiosk/test_online.o \
		$(BUILD)/tests/support/hubproc.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS) $(TEST_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
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

$(HUB_BIN): $(BUILD)/$(HUB_MAIN:.c=.o) $(LIBHUB) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(HUB_LIBS)

# ca-hubctl's backup and restore work on the store file (datadir.c, db.c).
$(HUBCTL_BIN): $(BUILD)/$(HUBCTL_MAIN:.c=.o) $(LIBHUB) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HUB_LIBS)

# HUBPROC is also named below, so make prefers this rule to the generic one.
$(BUILD)/tests/hub/%: $(BUILD)/tests/hub/%.o $(HUBPROC) $(LIBHUB) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(HUB_LIBS) $(TEST_LIBS)


# `make bench`: the sync drain benchmark (docs/architecture.md, Budgets; docs/sync.md). Not in
# `make test`: it measures, it does not pin.
BENCH_SYNC = $(BUILD)/bench-sync
$(BENCH_SYNC): $(BUILD)/tools/bench_sync.o $(BUILD)/tests/support/hubproc.o \
		$(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(KIOSK_LIBS)

.PHONY: bench-sync
bench-sync: $(BENCH_SYNC) $(HUB_BIN) $(HUBCTL_BIN)
	$(BENCH_SYNC)

# `make bench-hub`: a fleet of simulated kiosks (libcurl multi) and hostile
# clients (OpenSSL) against one real hub (docs/bench-hub.md). Arguments in
# BENCH_HUB_ARGS, e.g. `make bench-hub BENCH_HUB_ARGS=--quick`.
BENCH_HUB = $(BUILD)/bench-hub
$(BUILD)/tools/bench_hub.o: ALL_CFLAGS += $(HUB_CFLAGS)
$(BENCH_HUB): $(BUILD)/tools/bench_hub.o $(HUBPROC) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(KIOSK_LIBS) $(call pkg_libs,openssl) -lm

.PHONY: bench-hub
bench-hub: $(BENCH_HUB) $(HUB_BIN) $(HUBCTL_BIN)
	$(BENCH_HUB) $(BENCH_HUB_ARGS)

# ---- keyboard: libcaime.a (ime + keyboard model), its tests, its bench ----
# The engine's header is C++; ime.c declares the im_* C functions itself,
# and libgooglepinyin.so brings its own libstdc++ dependency.
IME_OBJS   = $(IME_SRCS:%.c=$(BUILD)/%.o)
LIBIME     = $(BUILD)/libcaime.a
IME_LIBS   = $(eval IME_LIBS := $$(call pkg_libs,googlepinyin))$(IME_LIBS)
IME_DICT   = $(shell pkg-config --variable=libdir googlepinyin)/googlepinyin/data/dict_pinyin.dat
BENCH_IME  = $(BUILD)/bench-ime

$(BUILD)/src/ui/ime.o: ALL_CFLAGS += -DIME_DICT_DEFAULT='"$(IME_DICT)"'

$(LIBIME): $(IME_OBJS)

$(BUILD)/tests/ui/test_ime $(BUILD)/tests/ui/test_keyboard: %: %.o $(LIBIME) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(IME_LIBS) $(KIOSK_LIBS) $(TEST_LIBS)

$(BENCH_IME): $(BUILD)/tools/bench_ime.o $(LIBIME) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(IME_LIBS) $(KIOSK_LIBS)

.PHONY: bench-ime
bench-ime: $(BENCH_IME)
	$(BENCH_IME)

# The keyboard fuzzer links the engine too (FUZZ_DIR, FUZZ_CFLAGS: below).
build/fuzz/fuzz_keyboard: tests/fuzz/fuzz_keyboard.c $(CORE_SRCS) $(IME_SRCS) | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(KIOSK_CFLAGS) -o $@ $^ $(IME_LIBS) $(KIOSK_LIBS)

# ---- UI: libcaui.a, its tests, the gallery (PNGs) and the UI bench ----
UI_OBJS    = $(UI_SRCS:%.c=$(BUILD)/%.o)
LIBUI      = $(BUILD)/libcaui.a
UI_CFLAGS  = $(eval UI_CFLAGS := $$(call pkg_cflags,$(UI_PKGS)))$(UI_CFLAGS)
UI_LIBS    = $(eval UI_LIBS := $$(call pkg_libs,$(UI_PKGS)) -lm)$(UI_LIBS)
UI_PAGES   = $(BUILD)/tools/ui_pages.o
UI_GALLERY = $(BUILD)/ui-gallery

$(UI_OBJS) $(UI_PAGES) $(BUILD)/tools/ui_gallery.o $(BUILD)/tests/ui/test_render.o \
$(BUILD)/tests/ui/test_theme.o $(BUILD)/tests/ui/test_ui.o: ALL_CFLAGS += $(UI_CFLAGS)

# The xdg-shell protocol's client code (src/ui/wlwin.c), generated from
# the XML that wayland-protocols installs.
XDG_SHELL_XML = $(shell pkg-config --variable=pkgdatadir wayland-protocols)/stable/xdg-shell/xdg-shell.xml
XDG_SHELL_H   = $(BUILD)/gen/xdg-shell-client-protocol.h
XDG_SHELL_O   = $(BUILD)/gen/xdg-shell-protocol.o
$(XDG_SHELL_H): | deps
	@mkdir -p $(@D)
	wayland-scanner client-header $(XDG_SHELL_XML) $@
$(BUILD)/gen/xdg-shell-protocol.c: | deps
	@mkdir -p $(@D)
	wayland-scanner private-code $(XDG_SHELL_XML) $@
$(XDG_SHELL_O): $(BUILD)/gen/xdg-shell-protocol.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(BUILD)/src/ui/wlwin.o: $(XDG_SHELL_H)
$(BUILD)/src/ui/wlwin.o: ALL_CFLAGS += -I$(BUILD)/gen

$(LIBUI): $(UI_OBJS) $(XDG_SHELL_O)

$(BUILD)/tests/ui/test_theme $(BUILD)/tests/ui/test_ui: %: %.o $(LIBUI) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UI_LIBS) $(KIOSK_LIBS) $(TEST_LIBS)

# test_render reads PNGs back with SDL_image (the kiosk only writes them).
$(BUILD)/tests/ui/test_render: %: %.o $(UI_PAGES) $(LIBUI) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UI_LIBS) $(call pkg_libs,SDL2_image) $(KIOSK_LIBS) $(TEST_LIBS)

$(UI_GALLERY): $(BUILD)/tools/ui_gallery.o $(UI_PAGES) $(LIBUI) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UI_LIBS) $(KIOSK_LIBS)

# ca-kiosk: the app (src/kiosk/app.c, kbview.c and the screens scr_*.c)
# over the UI library and the keyboard library.
APP_SRCS = \
	src/kiosk/app.c \
	src/kiosk/kbview.c \
	src/kiosk/scr_apply.c \
	src/kiosk/scr_main.c \
	src/kiosk/scr_pay.c
APP_OBJS = $(APP_SRCS:%.c=$(BUILD)/%.o)

$(APP_OBJS) $(BUILD)/$(KIOSK_MAIN:.c=.o): ALL_CFLAGS += $(UI_CFLAGS)

$(KIOSK_BIN): $(BUILD)/$(KIOSK_MAIN:.c=.o) $(ZFREE_OBJ) $(APP_OBJS) $(LIBUI) $(LIBIME) $(LIBKIOSK) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(UI_LIBS) $(IME_LIBS) $(KIOSK_RUN_LIBS)

# Flow scripts against the real UI (tests/flows/, docs/flows.md): every
# tests/flows/*.flow must pass, every tests/flows/fail/*.flow must fail at
# the line its first comment names. Run by `check` with the other tests.
FLOW_TEST = tests/kiosk/test_flows.sh
# Nothing of a person left in the kiosk's memory after their session: core
# dumps of the running kiosk searched (tests/privacy/; plain build only).
PRIVACY_TEST = tests/kiosk/test_privacy.sh
# The kiosk's programs load libcurl themselves, and say so when they
# cannot (src/kiosk/http.c; plain build only: it needs a mount namespace).
LIBCURL_TEST = tests/kiosk/test_libcurl_load.sh
# The kiosk full screen on Wayland in a window of its own, clicked through
# a real weston (src/ui/wlwin.c; plain build only).
WAYLAND_TEST = tests/kiosk/test_wayland.sh
# ... which also runs test_wlshm under that weston (src/ui/wlshm.c).
WLSHM_TEST = $(BUILD)/tests/ui/test_wlshm
$(BUILD)/tests/ui/test_wlshm.o: ALL_CFLAGS += $(UI_CFLAGS)
$(WLSHM_TEST): %: %.o $(LIBUI) $(LIBCOMMON) $(LIBCORE)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(UI_LIBS)

# `make gallery`: one PNG per page and orientation in out/gallery/.
.PHONY: gallery bench-ui
gallery: $(UI_GALLERY)
	$(UI_GALLERY) --out out/gallery
bench-ui: $(UI_GALLERY)
	$(UI_GALLERY) --bench

# The kiosk app's budgets (tools/bench-kiosk): first frame, PSS on the form
# with the pinyin dictionary, idle CPU on the payment QR screen.
# On the real display paths (X11 on Xvfb, Wayland under weston and cage
# nested on it) beside Chromium --kiosk, seen by an outside X observer
# (tools/bench/xobserve.c; docs/bench-kiosk.md).
XOBSERVE = $(BUILD)/xobserve
$(BUILD)/tools/bench/xobserve.o: ALL_CFLAGS += $(call pkg_cflags,x11 xext xdamage libpng)
$(XOBSERVE): $(BUILD)/tools/bench/xobserve.o
	$(CC) $(ALL_LDFLAGS) -pthread -o $@ $^ $(call pkg_libs,x11 xext xdamage libpng)
.PHONY: bench-kiosk
bench-kiosk: $(KIOSK_BIN) $(HUB_BIN) $(HUBCTL_BIN) $(XOBSERVE)
	tools/bench-kiosk --bin $(BUILD)

# Test vectors for the USCC and ID-number validators, made by an
# independent implementation (python3-stdnum) at test time.
VECTORS = $(BUILD)/vectors/uscc.txt $(BUILD)/vectors/ric.txt
$(VECTORS): tools/gen-vectors | deps
	@mkdir -p $(@D)
	/usr/bin/python3 tools/gen-vectors --out $(@D)

# The invoice page's browser test (tests/hub/browser_invoice.js, run by
# tests/hub/test_invoice) drives chromium with puppeteer-core, pinned by
# tools/browser/package-lock.json and installed here from the npm registry
# (node_modules is never committed).
BROWSER_DEPS = tools/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tools/browser/package.json tools/browser/package-lock.json | deps
	cd tools/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# The plans (tests/flows/**/*.plan: real hub, kiosk, payments, dispenser;
# about 5 minutes) run once, in the ASan+UBSan pass, where they also catch
# memory errors; `make check` alone runs them (PLANS=0 skips them).
PLANS ?= 1

# `make layers`: every #include under src/ follows the tables of
# docs/architecture.md (Who may include whom); make test runs it first.
layers:
	@tools/check-layers

# The three goals, each declared once: all (the default), check, bench.
all: $(KIOSK_BIN) $(SYNC_BIN) $(HUB_BIN) $(HUBCTL_BIN) $(HUBPROC) $(FAULTPROXY) $(DISPSIM) \
     $(TEST_BINS) $(BENCH_HUB) $(UI_GALLERY)
bench: bench-sync bench-hub bench-ime bench-ui bench-kiosk

test: deps layers
	@$(MAKE) --no-print-directory WERROR=-Werror PLANS=0 check
	@$(MAKE) --no-print-directory WERROR=-Werror SAN=1 PLANS=1 check
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

check: $(TEST_BINS) $(KIOSK_BIN) $(SYNC_BIN) $(HUB_BIN) $(HUBCTL_BIN) $(HUBPROC) $(FAULTPROXY) \
       $(DISPSIM) $(UI_GALLERY) $(VECTORS) $(BROWSER_DEPS) $(XOBSERVE) $(WLSHM_TEST)
	@CA_VECTORS=$(BUILD)/vectors CA_KIOSK=$(KIOSK_BIN) CA_DISPENSER_SIM=$(DISPSIM) \
		CA_FLOW_PLANS=$(PLANS) \
		CA_BUILD=$(BUILD) tools/run-tests "$(if $(SAN),asan+ubsan,plain)" $(TEST_BINS) \
		$(FLOW_TEST) $(if $(SAN),,$(PRIVACY_TEST) $(LIBCURL_TEST) $(WAYLAND_TEST) $(DIST_TEST:%=$(CURDIR)/%))

# Fuzzing with clang's libFuzzer (+ASan+UBSan): `make fuzz` runs each target
# for FUZZ_SECONDS; `make test` runs a short smoke of each.
FUZZ_SECONDS ?= 60
FUZZ_DIR      = build/fuzz
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all
FUZZERS = \
	codec \
	config \
	dispframe \
	hubcfg \
	hubreq \
	input \
	keyboard \
	script

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRCS) $(COMMON_SRCS) $(KIOSK_SRCS) | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(KIOSK_CFLAGS) -o $@ $^ $(KIOSK_LIBS)

# The hub's fuzzers build with the hub's sources and libraries: its config
# loader alone, and a whole hub in the process for the requests (real HTTP
# on loopback into every route, tests/fuzz/fuzz_hubreq.c).
$(FUZZ_DIR)/fuzz_hubcfg: tests/fuzz/fuzz_hubcfg.c $(CORE_SRCS) src/common/iniline.c \
		src/hub/hubcfg.c | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(HUB_CFLAGS) -o $@ $^ $(HUB_LIBS)

$(FUZZ_DIR)/fuzz_hubreq: tests/fuzz/fuzz_hubreq.c $(CORE_SRCS) $(COMMON_SRCS) $(HUB_SRCS) | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) $(HUB_CFLAGS) -pthread -o $@ $^ $(HUB_LIBS)

fuzz: $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)
	@tools/run-fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZERS)

# The demo hub (assets/hub-demo.ini, TLS with a throw-away CA, a free
# port) and the kiosk, through tools/flowrun (docs/plans.md).
# With a display: both, the kiosk in a window, data kept in var/demo.
# Without one: the walkthrough assets/demo.plan headless, one PNG per
# screen under out/demo/, their paths printed at the end.
run: all
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		tools/flowrun --bin $(BUILD) --work var/demo --window; \
	else \
		rm -rf out/demo && \
		tools/flowrun --bin $(BUILD) --out out/demo assets/demo.plan; \
	fi

# ---- install (docs/install.md): FHS paths, PREFIX and DESTDIR ----
# `make install` builds the shipped programs only (not the tests). The deb
# (debian/rules) runs it with PREFIX=/usr UNITDIR=/lib/systemd/system.
# Configurations in SYSCONFDIR are installed only when absent (an edited
# file is never overwritten; the examples are under DATADIR too).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
STATEDIR   ?= /var/lib
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INSTALL    ?= install

PROGRAMS = $(KIOSK_BIN) $(SYNC_BIN) $(HUB_BIN) $(HUBCTL_BIN)
MAN1 = man/ca-hubctl.1
MAN5 = man/hub.ini.5 man/kiosk.ini.5
MAN8 = man/ca-hub.8 man/ca-kiosk.8 man/ca-kiosk-sync.8
UNITS_IN = $(wildcard dist/systemd/*.in)
UNITS = $(UNITS_IN:dist/systemd/%.in=$(BUILD)/dist/systemd/%)

# The units with the installed paths filled in (@BINDIR@, @SYSCONFDIR@).
# The stamp makes them follow a change of the paths.
$(BUILD)/dist/paths.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(BINDIR) $(SYSCONFDIR)' | cmp -s - $@ || echo '$(BINDIR) $(SYSCONFDIR)' > $@
$(BUILD)/dist/systemd/%: dist/systemd/%.in $(BUILD)/dist/paths.stamp
	@mkdir -p $(@D)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@

.PHONY: install units
units: $(UNITS)

install: $(PROGRAMS) $(UNITS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DATADIR)/ca-kiosk $(DESTDIR)$(DATADIR)/ca-hub \
		$(DESTDIR)$(SYSCONFDIR)/ca-kiosk $(DESTDIR)$(SYSCONFDIR)/ca-hub
	$(INSTALL) -d -m 0700 $(DESTDIR)$(STATEDIR)/ca-kiosk $(DESTDIR)$(STATEDIR)/ca-hub
	$(INSTALL) -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0644 dist/kiosk.ini $(DESTDIR)$(DATADIR)/ca-kiosk/kiosk.ini.example
	$(INSTALL) -m 0644 dist/hub.ini $(DESTDIR)$(DATADIR)/ca-hub/hub.ini.example
	$(INSTALL) -m 0644 $(BUILD)/dist/systemd/ca-kiosk-cage.conf $(DESTDIR)$(DATADIR)/ca-kiosk/
	[ -e $(DESTDIR)$(SYSCONFDIR)/ca-kiosk/kiosk.ini ] || \
		$(INSTALL) -m 0644 dist/kiosk.ini $(DESTDIR)$(SYSCONFDIR)/ca-kiosk/kiosk.ini
	[ -e $(DESTDIR)$(SYSCONFDIR)/ca-hub/hub.ini ] || \
		$(INSTALL) -m 0644 dist/hub.ini $(DESTDIR)$(SYSCONFDIR)/ca-hub/hub.ini
	$(INSTALL) -m 0644 $(BUILD)/dist/systemd/ca-hub.service \
		$(BUILD)/dist/systemd/ca-kiosk.service $(DESTDIR)$(UNITDIR)
	$(INSTALL) -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8

# `make deb`: out/deb/ca-kiosk_*.deb and ca-hub_*.deb with debhelper
# (debian/rules builds the four programs into build/deb with Debian's
# flags), then lintian, which must find no error. `make test-deb` also
# checks their contents (tests/dist/test_deb.sh).
.PHONY: deb test-deb
deb: deps
	rm -rf out/deb
	fakeroot debian/rules binary
	fakeroot debian/rules clean
	lintian --fail-on error out/deb/*.deb
test-deb: deps
	tests/dist/test_deb.sh

# The units, the man pages and an install into a scratch DESTDIR, checked
# (tests/dist/test_dist.sh: systemd-analyze verify, groff warnings, paths).
# tests/dist/test_deb.sh builds the packages (about 20 s on two cores).
DIST_TEST = tests/dist/test_dist.sh tests/dist/test_deb.sh

clean:
	rm -rf build out

distclean: clean
	rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
