# Makefile - build, test and run the CA self-service kiosk.
#
#   make          build everything into build/
#   make test     install missing packages, check the layers, build, run every
#                 test, then again under ASan+UBSan (with the flow plans), fuzz
#   make run      build and start the product (README.md)
#   make bench    measure: sync drain, hub fleet, pinyin, UI frames, the kiosk
#   make install  programs, configs, units, man pages (PREFIX, DESTDIR)
#   make deb      the ca-kiosk and ca-hub Debian packages (debian/)
#
# One folder of src/ is one library, built from every .c in it; the folders
# and who may use whom are in docs/architecture.md. Your CFLAGS, CPPFLAGS and
# LDFLAGS add to the project's. SAN=1 builds with ASan+UBSan into build/asan/.
# When a pkg-config check fails, tools/install-deps installs the packages.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDEXPANSION:
.PHONY: all deps test check layers fuzz run clean distclean bench bench-sync \
        bench-hub bench-ime bench-ui bench-kiosk gallery install units deb test-deb FORCE

BUILD ?= build
ifeq ($(SAN),1)
BUILD := $(BUILD)/asan
SAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
CC ?= cc
WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
       -Wundef -Wpointer-arith -Wvla
CA_VERSION := $(shell tools/version 2>/dev/null || echo 0.0.0~unknown)

# ---- packages: asked of pkg-config once per run, after `deps` ----
PKGS_core   = jansson libcrypto
PKGS_common = sqlite3
PKGS_flow   =
PKGS_ime    = googlepinyin
PKGS_ui     = sdl2 SDL2_ttf libpng libqrencode wayland-client
PKGS_kiosk  = sqlite3 inih libcurl
PKGS_hub    = sqlite3 inih libmicrohttpd libcurl cairo freetype2
PKGS = $(sort $(foreach l,$(LIBS),$(PKGS_$(l))) SDL2_image cmocka openssl \
       wayland-protocols wayland-scanner)
cached = $(eval $(1) := $$(shell $(2)))$($(1))
PKG_CFLAGS = $(call cached,PKG_CFLAGS,pkg-config --cflags $(PKGS))
pkg_libs = $(shell pkg-config --libs $(1))
IME_DICT = $(shell pkg-config --variable=libdir googlepinyin)/googlepinyin/data/dict_pinyin.dat
XDG_XML  = $(shell pkg-config --variable=pkgdatadir wayland-protocols)/stable/xdg-shell/xdg-shell.xml

ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -O2 -g $(WARN) $(WERROR) $(SAN_FLAGS) -MMD -MP \
              -Isrc -I$(BUILD)/gen $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SAN_FLAGS) -pthread $(LDFLAGS)

# ---- libraries: one per folder, highest first (the link order) ----
LIBS = hub kiosk ui ime flow common core
SRCS_core   = $(wildcard src/core/*.c)
SRCS_common = $(wildcard src/common/*.c)
SRCS_flow   = $(wildcard src/flow/*.c)
SRCS_ime    = $(wildcard src/ime/*.c)
SRCS_ui     = $(wildcard src/ui/*.c) $(BUILD)/gen/xdg-shell-protocol.c
SRCS_kiosk  = $(wildcard src/kiosk/config/*.c src/kiosk/store/*.c src/kiosk/net/*.c \
                         src/kiosk/device/*.c)
SRCS_hub    = $(filter-out src/hub/main.c,$(wildcard src/hub/*.c))
obj  = $(addprefix $(BUILD)/,$(patsubst $(BUILD)/%,%,$(1:.c=.o)))
lib  = $(1:%=$(BUILD)/libca%.a)
# What a library (or a test folder) links: itself and every library below it.
USES_core   = core
USES_common = common core
USES_flow   = flow core
USES_ime    = ime common core
USES_ui     = ui common core
USES_kiosk  = kiosk flow common core
USES_hub    = hub common core
# The packages a folder's programs link: its libraries' and those in $(2).
link    = $(call pkg_libs,$(sort $(foreach l,$(USES_$(1)),$(PKGS_$(l))) $(2)))

$(BUILD)/libca%.a: $$(call obj,$$(SRCS_$$*))
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c | deps
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Generated and stamped: the xdg-shell protocol (src/ui/wlwin.c), the version
# (src/core/version.c, rebuilt only when tools/version's answer changes).
$(BUILD)/gen/xdg-shell-client-protocol.h $(BUILD)/gen/xdg-shell-protocol.c &: | deps
	@mkdir -p $(@D)
	wayland-scanner client-header $(XDG_XML) $(BUILD)/gen/xdg-shell-client-protocol.h
	wayland-scanner private-code $(XDG_XML) $(BUILD)/gen/xdg-shell-protocol.c
$(BUILD)/src/ui/wlwin.o: $(BUILD)/gen/xdg-shell-client-protocol.h
$(BUILD)/version.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(CA_VERSION)' | cmp -s - $@ || echo '$(CA_VERSION)' > $@
$(BUILD)/src/core/version.o: $(BUILD)/version.stamp
$(BUILD)/src/core/version.o: ALL_CFLAGS += -DCA_VERSION='"$(CA_VERSION)"'
$(BUILD)/src/ime/ime.o: ALL_CFLAGS += -DIME_DICT_DEFAULT='"$(IME_DICT)"'

# ---- programs ----
# ca-kiosk: the app (src/kiosk/app.c, src/kiosk/screens) over every library
# but the hub's. It and ca-kiosk-sync load libcurl themselves
# (src/kiosk/net/http.c) and zero every freed block (src/kiosk/zfree.c).
KIOSK_BIN  = $(BUILD)/ca-kiosk
SYNC_BIN   = $(BUILD)/ca-kiosk-sync
HUB_BIN    = $(BUILD)/ca-hub
HUBCTL_BIN = $(BUILD)/ca-hubctl
PROGRAMS   = $(KIOSK_BIN) $(SYNC_BIN) $(HUB_BIN) $(HUBCTL_BIN)
APP_OBJS   = $(call obj,src/kiosk/main.c src/kiosk/zfree.c src/kiosk/app.c \
                        $(wildcard src/kiosk/screens/*.c))
no_curl    = $(call pkg_libs,$(filter-out libcurl,$(sort $(foreach l,$(1),$(PKGS_$(l))))))

$(KIOSK_BIN): $(APP_OBJS) $(call lib,ui ime kiosk flow common core)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call no_curl,ui ime kiosk flow common core) -lm
$(SYNC_BIN): $(call obj,src/kiosk/sync_main.c src/kiosk/zfree.c) $(call lib,kiosk flow common core)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call no_curl,kiosk flow common core)
$(HUB_BIN): $(call obj,src/hub/main.c) $(call lib,$(USES_hub))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,hub)
$(HUBCTL_BIN): $(call obj,$(wildcard src/hubctl/*.c)) $(call lib,$(USES_hub))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,hub)

# ---- tests: tests/FOLDER/test_*.c, each linking FOLDER's libraries ----
# tests/support (the hub as a real process, the dispenser simulator on a
# pty) is an archive of its own: a test takes from it what it calls.
# tests/ui/test_wlshm needs a compositor: tests/kiosk/test_wayland.sh runs it.
TESTS      = $(sort $(basename $(filter-out tests/ui/test_wlshm.c,$(wildcard tests/*/test_*.c))))
TEST_BINS  = $(TESTS:%=$(BUILD)/%)
LIBTEST    = $(BUILD)/libcatest.a
SRCS_test  = $(wildcard tests/support/*.c)
WLSHM_TEST = $(BUILD)/tests/ui/test_wlshm
HELPERS    = $(BUILD)/faultproxy $(BUILD)/dispenser-sim $(BUILD)/xobserve $(WLSHM_TEST)
tfolder    = $(firstword $(subst /, ,$(1)))
$(TESTS:%=$(BUILD)/%.o): | deps

TEST_OBJS_ui/test_render = $(BUILD)/tools/ui_pages.o
TEST_PKGS_ui/test_render = SDL2_image
$(TEST_BINS) $(WLSHM_TEST): $(BUILD)/tests/%: $(BUILD)/tests/%.o $$(TEST_OBJS_$$*) $(LIBTEST) \
		$$(call lib,$$(USES_$$(call tfolder,$$*)))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,$(call tfolder,$*),cmocka $(TEST_PKGS_$*)) -lm
$(BUILD)/faultproxy: $(BUILD)/tools/faultproxy.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,openssl)
$(BUILD)/dispenser-sim: $(BUILD)/tools/dispenser_sim.o $(call lib,kiosk)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
$(BUILD)/xobserve: $(BUILD)/tools/bench/xobserve.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,x11 xext xdamage libpng)
$(BUILD)/tools/bench/xobserve.o: ALL_CFLAGS += $(shell pkg-config --cflags x11 xext xdamage)

# Test vectors for the USCC and ID-number validators, made at test time by
# an independent implementation (python3-stdnum).
VECTORS = $(BUILD)/vectors/uscc.txt $(BUILD)/vectors/ric.txt
$(VECTORS): tools/gen-vectors | deps
	@mkdir -p $(@D)
	/usr/bin/python3 tools/gen-vectors --out $(@D)
# Chromium's driver for the browser tests, pinned by package-lock.json.
BROWSER_DEPS = tools/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tools/browser/package.json tools/browser/package-lock.json | deps
	cd tools/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# The scripts: flow scripts and plans (docs/flows.md, docs/plans.md); the
# plain pass only: memory after a session, libcurl loading, Wayland, packages.
SCRIPTS = tests/kiosk/test_flows.sh
PLAIN_SCRIPTS = tests/kiosk/test_privacy.sh tests/kiosk/test_libcurl_load.sh \
                tests/kiosk/test_wayland.sh tests/dist/test_dist.sh tests/dist/test_deb.sh
PLANS ?= 1

# ---- the goals ----
all: $(PROGRAMS) $(TEST_BINS) $(HELPERS) $(BUILD)/ui-gallery $(BUILD)/bench-hub
deps:
ifneq ($(NO_DEPS),1)
	@pkg-config --exists $(PKGS) && tools/install-deps --check || tools/install-deps
endif
layers:
	@tools/check-layers
test: deps layers
	@$(MAKE) --no-print-directory WERROR=-Werror PLANS=0 check
	@$(MAKE) --no-print-directory WERROR=-Werror SAN=1 PLANS=1 check
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5
check: all $(VECTORS) $(BROWSER_DEPS)
	@CA_VECTORS=$(BUILD)/vectors CA_KIOSK=$(KIOSK_BIN) CA_DISPENSER_SIM=$(BUILD)/dispenser-sim \
		CA_FLOW_PLANS=$(PLANS) CA_BUILD=$(BUILD) tools/run-tests "$(if $(SAN),asan+ubsan,plain)" \
		$(TEST_BINS) $(SCRIPTS) $(if $(SAN),,$(PLAIN_SCRIPTS:%=$(CURDIR)/%))

# Fuzzing with libFuzzer (+ASan+UBSan): each target for FUZZ_SECONDS; a
# target builds with the sources of the libraries FUZZ_USES_x names.
FUZZ_SECONDS ?= 60
FUZZ_DIR = build/fuzz
FUZZERS  = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_USES_keyboard = ime common core
FUZZ_USES_hubcfg   = hub common core
FUZZ_USES_hubreq   = hub common core
fuzz_uses = $(or $(FUZZ_USES_$(1)),kiosk flow common core)
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $$(foreach l,$$(call fuzz_uses,$$*),$$(SRCS_$$(l))) | deps
	@mkdir -p $(@D)
	clang -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -Isrc $(PKG_CFLAGS) -pthread -o $@ $^ \
		$(call pkg_libs,$(sort $(foreach l,$(call fuzz_uses,$*),$(PKGS_$(l)))))
fuzz: $(FUZZERS:%=$(FUZZ_DIR)/fuzz_%)
	@tools/run-fuzz $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZERS)

# The demo (docs/plans.md): with a display, hub and kiosk in a window (data
# in var/demo); without, assets/demo.plan headless, a PNG per screen in out/demo.
run: all
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		tools/flowrun --bin $(BUILD) --work var/demo --window; \
	else rm -rf out/demo && tools/flowrun --bin $(BUILD) --out out/demo assets/demo.plan; fi

# ---- benchmarks (docs/bench-*.md): they measure, they do not pin ----
$(BUILD)/bench-sync: $(BUILD)/tools/bench_sync.o $(LIBTEST) $(call lib,$(USES_kiosk))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,kiosk)
$(BUILD)/bench-hub: $(BUILD)/tools/bench_hub.o $(LIBTEST) $(call lib,common core)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,core,libcurl sqlite3 openssl) -lm
$(BUILD)/bench-ime: $(BUILD)/tools/bench_ime.o $(call lib,$(USES_ime))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,ime)
$(BUILD)/ui-gallery: $(call obj,tools/ui_gallery.c tools/ui_pages.c) $(call lib,$(USES_ui))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,ui) -lm
bench: bench-sync bench-hub bench-ime bench-ui bench-kiosk
bench-sync: $(BUILD)/bench-sync $(HUB_BIN) $(HUBCTL_BIN)
	$(BUILD)/bench-sync
bench-hub: $(BUILD)/bench-hub $(HUB_BIN) $(HUBCTL_BIN)
	$(BUILD)/bench-hub $(BENCH_HUB_ARGS)
bench-ime: $(BUILD)/bench-ime
	$(BUILD)/bench-ime
bench-ui: $(BUILD)/ui-gallery
	$(BUILD)/ui-gallery --bench
bench-kiosk: $(PROGRAMS) $(BUILD)/xobserve
	tools/bench-kiosk --bin $(BUILD)
gallery: $(BUILD)/ui-gallery
	$(BUILD)/ui-gallery --out out/gallery

# ---- install (docs/install.md): FHS paths; configs only when absent ----
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
SYSCONFDIR ?= /etc
STATEDIR   ?= /var/lib
UNITDIR    ?= $(PREFIX)/lib/systemd/system
INSTALL    ?= install
UNITS = $(patsubst dist/systemd/%.in,$(BUILD)/dist/systemd/%,$(wildcard dist/systemd/*.in))

$(BUILD)/dist/paths.stamp: FORCE
	@mkdir -p $(@D)
	@echo '$(BINDIR) $(SYSCONFDIR)' | cmp -s - $@ || echo '$(BINDIR) $(SYSCONFDIR)' > $@
$(BUILD)/dist/systemd/%: dist/systemd/%.in $(BUILD)/dist/paths.stamp
	@mkdir -p $(@D)
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' $< > $@
units: $(UNITS)
install: $(PROGRAMS) $(UNITS)
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DATADIR)/ca-kiosk \
		$(DESTDIR)$(DATADIR)/ca-hub $(DESTDIR)$(SYSCONFDIR)/ca-kiosk $(DESTDIR)$(SYSCONFDIR)/ca-hub
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
	$(INSTALL) -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5
	$(INSTALL) -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8

# `make deb`: out/deb/*.deb with debhelper (debian/rules), then lintian.
deb: deps
	rm -rf out/deb
	fakeroot debian/rules binary
	fakeroot debian/rules clean
	lintian --fail-on error out/deb/*.deb
test-deb: deps
	tests/dist/test_deb.sh

clean:
	rm -rf build out
distclean: clean
	rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
