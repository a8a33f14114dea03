# Makefile - build, test and run the CA self-service kiosk.
#
#   make          build everything into build/
#   make test     install missing packages, check the layers, build, run every
#                 test, then again under ASan+UBSan (with the flow plans), fuzz
#   make run      build and start the product (README.md)
#   make bench    measure: sync drain, hub fleet, pinyin, UI frames, the kiosk
#   make install  programs, configs, units, man pages (PREFIX, DESTDIR); make deb: packages
#
# One folder of src/ is one library, built from every .c in it; the folders
# and who may use whom are in docs/architecture.md. Your CFLAGS, CPPFLAGS and
# LDFLAGS add to the project's. SAN=1 builds with ASan+UBSan into build/asan/. When a
# pkg-config check fails, tools/install-deps installs the packages.

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SECONDEXPANSION:
.PHONY: all deps test check layers fuzz run clean distclean bench gallery install units deb \
        test-deb FORCE

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
PKGS_ime    = googlepinyin
PKGS_ui     = sdl2 SDL2_ttf libpng libqrencode wayland-client
PKGS_kiosk  = sqlite3 inih libcurl
PKGS_hub    = sqlite3 inih libmicrohttpd libcurl cairo freetype2 libqrencode libsodium
PKGS = $(sort $(call lib_pkgs,$(LIBS)) SDL2_image cmocka openssl \
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
# A library's sources: every .c in src/NAME, but for these.
SRCS_ui     = $(wildcard src/ui/*.c) $(BUILD)/gen/xdg-shell-protocol.c
SRCS_kiosk  = $(wildcard $(patsubst %,src/kiosk/%/*.c,config store net device))
SRCS_hub    = $(filter-out src/hub/main.c,$(wildcard src/hub/*.c))
SRCS_test   = $(wildcard tests/support/*.c)
srcs = $(if $(filter undefined,$(origin SRCS_$(1))),$(wildcard src/$(1)/*.c),$(SRCS_$(1)))
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
USES_app    = ui ime kiosk flow common core
USES_tools  = hub common core
# The packages of libraries $(1); the packages a folder's (or the app's)
# programs link: its libraries' and those in $(2), less those in $(3).
lib_pkgs = $(sort $(foreach l,$(1),$(PKGS_$(l))))
link     = $(call pkg_libs,$(filter-out $(3),$(sort $(call lib_pkgs,$(USES_$(1))) $(2))))

$(foreach l,$(LIBS) test,$(eval $(call lib,$(l)): $(call obj,$(call srcs,$(l)))))
$(BUILD)/libca%.a:
	rm -f $@ && $(AR) rcs $@ $^

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
# ca-kiosk: the app (src/kiosk/app.c, screens/) over all but the hub's. It and ca-kiosk-sync
# load libcurl themselves (src/kiosk/net/http.c), zero freed blocks (src/kiosk/zfree.c).
PROGRAMS   = $(addprefix $(BUILD)/,ca-kiosk ca-kiosk-sync ca-hub ca-hubctl)
APP_OBJS   = $(call obj,src/kiosk/main.c src/kiosk/zfree.c src/kiosk/app.c src/kiosk/app_script.c \
                        $(wildcard src/kiosk/screens/*.c))

$(BUILD)/ca-kiosk: $(APP_OBJS) $(call lib,$(USES_app))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,app,,libcurl) -lm
$(BUILD)/ca-kiosk-sync: $(call obj,src/kiosk/sync_main.c src/kiosk/zfree.c) $(call lib,$(USES_kiosk))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,kiosk,,libcurl)
$(BUILD)/ca-hub $(BUILD)/ca-hubctl: $(BUILD)/ca-%: $(BUILD)/src/%/main.o $(call lib,$(USES_hub))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,hub)

# ---- tests: tests/FOLDER/test_*.c, each linking FOLDER's libraries ----
# tests/support (the hub as a process, the dispenser on a pty) is an archive: a test takes what it calls.
# tests/ui/test_wlshm needs a compositor: tests/kiosk/test_wayland.sh runs it.
TESTS      = $(sort $(basename $(filter-out tests/ui/test_wlshm.c,$(wildcard tests/*/test_*.c))))
TEST_BINS  = $(TESTS:%=$(BUILD)/%)
LIBTEST    = $(BUILD)/libcatest.a
WLSHM_TEST = $(BUILD)/tests/ui/test_wlshm
HELPERS    = $(BUILD)/faultproxy $(BUILD)/dispenser-sim $(BUILD)/ca-paysim $(BUILD)/ca-smssim \
             $(BUILD)/ca-taxsim \
             $(BUILD)/xobserve $(WLSHM_TEST)
TEST_OBJS_ui/test_render = $(BUILD)/tools/ui_pages.o
TEST_PKGS_ui/test_render = SDL2_image
$(TEST_BINS) $(WLSHM_TEST): $(BUILD)/tests/%: $(BUILD)/tests/%.o $$(TEST_OBJS_$$*) $(LIBTEST) \
		$$(call lib,$$(USES_$$(firstword $$(subst /, ,$$*))))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,$(firstword $(subst /, ,$*)),cmocka $(TEST_PKGS_$*)) -lm
$(BUILD)/faultproxy: $(BUILD)/tools/faultproxy.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,openssl)
# The SMS gateway the hub's tests send through (tools/smssim.c, with the core's
# hashes and clock); they start it.
$(BUILD)/ca-smssim: $(BUILD)/tools/smssim.o $(call lib,core)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,libmicrohttpd jansson libcrypto)
$(BUILD)/tests/hub/test_sms_gw $(BUILD)/tests/hub/test_limits \
	$(BUILD)/tests/kiosk/test_online: | $(BUILD)/ca-smssim
$(BUILD)/dispenser-sim: $(BUILD)/tools/dispenser_sim.o $(call lib,kiosk)
	$(CC) $(ALL_LDFLAGS) -o $@ $^
# The simulators' shared library (tools/simkit: options and the run's frame, the HTTPS
# plumbing, refusals and nonces, the SQLite books, the clock), linked into both of them.
SIMKIT = $(BUILD)/libcasimkit.a
$(SIMKIT): $(call obj,$(wildcard tools/simkit/*.c))
# The WeChat Pay v3 provider simulator (docs/paysim.md): tools/paysim over the hub's libraries.
$(BUILD)/ca-paysim: $(call obj,$(wildcard tools/paysim/*.c)) $(SIMKIT) $(call lib,$(USES_hub))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,hub)
# The tax platform simulator (docs/taxsim.md): tools/taxsim over the hub's libraries; the
# tests that start it wait for it.
$(BUILD)/ca-taxsim: $(call obj,$(wildcard tools/taxsim/*.c)) $(SIMKIT) $(call lib,$(USES_hub))
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call link,hub)
$(BUILD)/tests/tools/test_taxsim $(BUILD)/tests/hub/test_taxplat: | $(BUILD)/ca-taxsim
$(BUILD)/xobserve: $(BUILD)/tools/bench/xobserve.o
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pkg_libs,x11 xext xdamage libpng)
$(BUILD)/tools/bench/xobserve.o: ALL_CFLAGS += $(shell pkg-config --cflags x11 xext xdamage)

# USCC and ID-number test vectors from an independent implementation (python3-stdnum).
VECTORS = $(BUILD)/vectors/uscc.txt $(BUILD)/vectors/ric.txt
$(VECTORS): tools/gen-vectors | deps
	@mkdir -p $(@D)
	/usr/bin/python3 tools/gen-vectors --out $(@D)
# Chromium's driver for the browser tests, pinned by package-lock.json.
BROWSER_DEPS = tools/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tools/browser/package.json tools/browser/package-lock.json | deps
	cd tools/browser && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error

# Scripts: flow scripts and plans (docs/flows.md, docs/plans.md); the
# plain pass only: memory after a session, libcurl loading, Wayland, packages.
PLAIN_SCRIPTS = tests/kiosk/test_libcurl_load.sh \
                tests/kiosk/test_wayland.sh tests/dist/test_dist.sh tests/dist/test_deb.sh
# Run beside the test programs (tools/run-tests' +BIN): they mostly wait.
BESIDE_SCRIPTS = tests/kiosk/test_privacy.sh
PLANS ?= 1

# ---- the goals ----
all: $(PROGRAMS) $(TEST_BINS) $(HELPERS) $(BUILD)/ui-gallery $(BUILD)/bench-hub
deps:
ifneq ($(NO_DEPS),1)
	@pkg-config --exists $(PKGS) && tools/install-deps --check || tools/install-deps
endif
layers: ; @tools/check-layers
# The builds of each pass use every core; the test programs run one by one,
# the flow plans and the privacy plan beside them (tools/run-tests).
JOBS := -j$(shell nproc 2>/dev/null || echo 2)
test: deps layers
	@$(MAKE) --no-print-directory $(JOBS) WERROR=-Werror PLANS=0 check
	@$(MAKE) --no-print-directory $(JOBS) WERROR=-Werror SAN=1 PLANS=1 check
	@$(MAKE) --no-print-directory $(JOBS) fuzz FUZZ_SECONDS=5
check: all $(VECTORS) $(BROWSER_DEPS)
	@CA_VECTORS=$(BUILD)/vectors CA_KIOSK=$(BUILD)/ca-kiosk CA_DISPENSER_SIM=$(BUILD)/dispenser-sim \
		CA_FLOW_PLANS=$(PLANS) CA_BUILD=$(BUILD) tools/run-tests "$(if $(SAN),asan+ubsan,plain)" \
		+tests/kiosk/test_flows.sh $(if $(SAN),,+$(CURDIR)/$(BESIDE_SCRIPTS)) $(TEST_BINS) \
		$(if $(SAN),,$(PLAIN_SCRIPTS:%=$(CURDIR)/%))

# Fuzzing with libFuzzer (+ASan+UBSan): each target for FUZZ_SECONDS; a
# target links the objects of the libraries FUZZ_USES_x names, each source
# compiled once for all targets (build/fuzz/obj).
FUZZ_SECONDS ?= 60
FUZZ_DIR = build/fuzz
FUZZERS  = $(sort $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_USES_keyboard = ime common core
FUZZ_USES_hubcfg   = hub common core
FUZZ_USES_hubreq   = hub common core
FUZZ_USES_paynotify = hub common core
fuzz_uses = $(or $(FUZZ_USES_$(1)),kiosk flow common core)
fuzz_objs = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(foreach l,$(call fuzz_uses,$(1)),$(call srcs,$(l))))
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=all -Isrc $(PKG_CFLAGS) -pthread
.PRECIOUS: $(FUZZ_DIR)/obj/%.o
$(FUZZ_DIR)/obj/%.o: %.c | deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $$(call fuzz_objs,$$*)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ \
		$(call pkg_libs,$(call lib_pkgs,$(call fuzz_uses,$*)))
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
BENCH_sync  = $(BUILD)/bench-sync
BENCH_hub   = $(BUILD)/bench-hub $(BENCH_HUB_ARGS)
BENCH_ime   = $(BUILD)/bench-ime
BENCH_ui    = $(BUILD)/ui-gallery --bench
BENCH_kiosk = tools/bench-kiosk --bin $(BUILD)
bench: bench-sync bench-hub bench-ime bench-ui bench-kiosk
bench-%: $(PROGRAMS) $(BUILD)/bench-sync $(BUILD)/bench-hub $(BUILD)/bench-ime $(BUILD)/ui-gallery \
         $(BUILD)/xobserve
	$(BENCH_$*)
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
	$(INSTALL) -d $(addprefix $(DESTDIR),$(BINDIR) $(UNITDIR) $(MANDIR)/man1 $(MANDIR)/man5 \
		$(MANDIR)/man8 $(DATADIR)/ca-kiosk $(DATADIR)/ca-hub $(SYSCONFDIR)/ca-kiosk $(SYSCONFDIR)/ca-hub)
	$(INSTALL) -d -m 0700 $(DESTDIR)$(STATEDIR)/ca-kiosk $(DESTDIR)$(STATEDIR)/ca-hub
	$(INSTALL) -m 0755 $(PROGRAMS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 0644 $(BUILD)/dist/systemd/ca-kiosk-cage.conf $(DESTDIR)$(DATADIR)/ca-kiosk/
	$(INSTALL) -m 0644 $(BUILD)/dist/systemd/*.service $(DESTDIR)$(UNITDIR)
	for p in kiosk hub; do $(INSTALL) -m 0644 dist/$$p.ini $(DESTDIR)$(DATADIR)/ca-$$p/$$p.ini.example && \
		{ [ -e $(DESTDIR)$(SYSCONFDIR)/ca-$$p/$$p.ini ] || $(INSTALL) -m 0644 dist/$$p.ini \
		$(DESTDIR)$(SYSCONFDIR)/ca-$$p/$$p.ini; } || exit 1; done
	for s in 1 5 8; do $(INSTALL) -m 0644 man/*.$$s $(DESTDIR)$(MANDIR)/man$$s || exit 1; done

# `make deb`: out/deb/*.deb with debhelper (debian/rules), then lintian.
deb: deps
	rm -rf out/deb && fakeroot debian/rules binary && fakeroot debian/rules clean
	lintian --fail-on error out/deb/*.deb
test-deb: deps ; tests/dist/test_deb.sh

clean: ; rm -rf build out
distclean: clean ; rm -rf var

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
