# hotline — plain Makefile (no autoconf). Variables with ?= may be overridden.
CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
PREFIX ?= /usr/local
SANITIZE ?=
V ?= 0

PKGS := libsodium sqlite3 libuv jansson inih libseccomp
TEST_PKGS := cmocka
# The console's screen (hotline only; hotlined links no curses).
CURSES_PKG := ncursesw

# CFLAGS/LDFLAGS are the user's (optimisation, debug); the project's own
# flags live in HL_CFLAGS/HL_LDFLAGS so `make CFLAGS=-O0` keeps the warnings.
CFLAGS ?= -O2 -g
HL_CFLAGS := -std=c11 -D_GNU_SOURCE -pipe \
	-Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
	-Wstrict-prototypes -Wmissing-prototypes -Wvla -Wpointer-arith \
	-Wundef -Wnull-dereference -Wimplicit-fallthrough \
	-fstack-protector-strong -fPIE -MMD -MP
HL_LDFLAGS :=
ifeq ($(SANITIZE),)
HL_CFLAGS += -D_FORTIFY_SOURCE=2
else
HL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
HL_LDFLAGS += -fsanitize=$(SANITIZE)
endif
HL_LDFLAGS += -pie -Wl,-z,relro,-z,now

DEPS_OK := $(shell sh scripts/deps.sh --quiet >&2 && echo yes)
ifneq ($(DEPS_OK),yes)
$(error missing build dependencies (see above))
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS))
TEST_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS))
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
CURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(CURSES_PKG))
CURSES_LIBS := $(shell $(PKG_CONFIG) --libs $(CURSES_PKG))

ifeq ($(V),0)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
msg :=
endif

# src/ is one folder per layer (docs/ARCHITECTURE.md, src/LAYERS); objects
# keep the folder: build/obj/LAYER/NAME.o, which check-layers reads.
MAINS := src/cli/hotline.c src/daemon/hotlined.c
CMD_SRCS := $(wildcard src/cli/cmd_*.c)
CURSES_SRCS := src/console/console_view.c
LIB_SRCS := $(filter-out $(MAINS) $(CMD_SRCS) $(CURSES_SRCS),$(wildcard src/*/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:src/%.c=$(BUILD)/obj/%.o)
CURSES_OBJS := $(CURSES_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libhotline.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# peerctl_*.c are parts of peerctl, not tools of their own.
# sqlfault.c is a shared library (LD_PRELOAD), not a program.
TOOL_SRCS := $(filter-out tests/tools/peerctl_%.c tests/tools/sqlfault.c,$(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

all: $(BUILD)/hotline $(BUILD)/hotlined

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -c -o $@ $<

$(CURSES_OBJS) $(BUILD)/obj/cli/cmd_console.o: HL_CFLAGS += $(CURSES_CFLAGS)

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILD)/hotline: $(BUILD)/obj/cli/hotline.o $(CMD_OBJS) $(CURSES_OBJS) $(LIB)
	$(call msg,LD,$@)$(CC) $(HL_LDFLAGS) $(LDFLAGS) -o $@ $(BUILD)/obj/cli/hotline.o $(CMD_OBJS) $(CURSES_OBJS) $(LIB) $(PKG_LIBS) $(CURSES_LIBS)

$(BUILD)/hotlined: $(BUILD)/obj/daemon/hotlined.o $(LIB)
	$(call msg,LD,$@)$(CC) $(HL_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(TEST_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

$(BUILD)/tests/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

PEERCTL_SRCS := tests/tools/peerctl.c $(wildcard tests/tools/peerctl_*.c)
$(BUILD)/tests/peerctl: $(PEERCTL_SRCS) tests/tools/peerctl.h $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $(PEERCTL_SRCS) $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

# The storage-fault shim, preloaded into a daemon by store_fault.sh. Never
# built with the sanitizers: it must not come before their runtime.
SQLFAULT := $(BUILD)/tests/libsqlfault.so
$(SQLFAULT): tests/tools/sqlfault.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared \
		$(shell $(PKG_CONFIG) --cflags sqlite3) -o $@ $< -ldl

# storefill: api_jam.sh fills its store with it.
tests: all $(UNIT_BINS) $(TOOL_BINS) $(SQLFAULT) $(BUILD)/bench/tools/storefill

# The layering rule of src/ (src/LAYERS, docs/ARCHITECTURE.md) on what
# the compiler saw: every hl_ symbol and #include across folders.
check-layers: all $(LIB)
	@sh scripts/check-layers.sh $(BUILD)/obj src

# Runs every test: unit, Noise vectors, integration against real daemons.
check: tests check-layers
	@BUILD=$(BUILD) sh tests/run.sh

check-asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined CFLAGS="-O1 -g" check

demo: all
	@BUILD=$(BUILD) bash scripts/demo.sh

# ---- install / uninstall ---------------------------------------------------
# Every directory may be overridden; DESTDIR is put in front of each (staged
# installs, the Debian package: PREFIX=/usr UNITDIR=/lib/systemd/system).
# hotlined sits in BINDIR beside hotline, not in sbin: operators run
# `hotlined --check-config` unprivileged and the unit names /usr/bin/hotlined
# (SBINDIR=/usr/sbin moves it, and the unit with it). SYSCONFDIR is /etc
# whatever PREFIX is: hotline's compiled-in default is
# /etc/hotline/hotline.conf and the unit's ConfigurationDirectory= is under
# /etc. Nothing is installed there (a station needs its own keys): the
# example goes to DOCDIR/examples and the unit's -c points at SYSCONFDIR.
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(BINDIR)
SYSCONFDIR ?= /etc
DATAROOTDIR ?= $(PREFIX)/share
DATADIR ?= $(DATAROOTDIR)/hotline
DOCDIR ?= $(DATAROOTDIR)/doc/hotline
# The daemon's default FormsDir is $(DATADIR)/forms, compiled into config.o;
# the stamp rebuilds it when DATADIR changes (build and install must agree).
$(BUILD)/obj/config/config.o: HL_CFLAGS += -DHL_DATADIR='"$(DATADIR)"'
$(BUILD)/obj/config/config.o: $(BUILD)/datadir.stamp
$(BUILD)/datadir.stamp: FORCE
	@mkdir -p $(BUILD) && echo '$(DATADIR)' | cmp -s - $@ || echo '$(DATADIR)' >$@
FORCE:
MANDIR ?= $(DATAROOTDIR)/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(DATAROOTDIR)/bash-completion/completions
INSTALL ?= install
INST_MANS := $(wildcard man/*.1 man/*.5 man/*.7 man/*.8)
INST_FORMS := $(wildcard forms/*)
INST_DOCS := README.md docs/API.md docs/PROTOCOL.md docs/SANDBOX.md docs/THREAT-MODEL.md

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples
	$(INSTALL) -m 0755 $(BUILD)/hotline $(DESTDIR)$(BINDIR)/hotline
	$(INSTALL) -m 0755 $(BUILD)/hotlined $(DESTDIR)$(SBINDIR)/hotlined
	@for m in $(INST_MANS); do \
		s=$${m##*.}; \
		echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s && \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; \
	done
	sed -e 's|/usr/bin/hotlined|$(SBINDIR)/hotlined|g' -e 's|/etc/hotline/|$(SYSCONFDIR)/hotline/|g' \
		systemd/hotlined.service >$(DESTDIR)$(UNITDIR)/hotlined.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/hotlined.service
	$(INSTALL) -m 0644 completion/hotline.bash $(DESTDIR)$(BASHCOMPDIR)/hotline
	$(INSTALL) -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 examples/hotline.conf $(DESTDIR)$(DOCDIR)/examples/
ifneq ($(INST_FORMS),)
	$(INSTALL) -d $(DESTDIR)$(DATADIR)/forms
	$(INSTALL) -m 0644 $(INST_FORMS) $(DESTDIR)$(DATADIR)/forms/
endif

# Removes what install put there, then the directories that are hotline's
# alone if they are empty; shared ones (bin, man1, ...) stay.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/hotline $(DESTDIR)$(SBINDIR)/hotlined
	rm -f $(foreach m,$(INST_MANS),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	rm -f $(DESTDIR)$(UNITDIR)/hotlined.service $(DESTDIR)$(BASHCOMPDIR)/hotline
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(INST_DOCS))) $(DESTDIR)$(DOCDIR)/examples/hotline.conf
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/forms/,$(notdir $(INST_FORMS)))
	@for d in $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/forms \
		$(DESTDIR)$(DATADIR); do rmdir "$$d" 2>/dev/null || :; done

.PHONY: uninstall
# ---- end install / uninstall ----

clean:
	rm -rf $(BUILD) build

.PHONY: all tests check check-layers check-asan demo install clean FORCE

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/tests/*.d)

# ---- Fuzzing: libFuzzer targets tests/fuzz/fuzz_*.c, built with clang ----
# `make fuzz FUZZ_SECONDS=N` (default 60) builds every target into
# build/fuzz/bin (library and target with ASan + UBSan), runs each over its
# regression inputs (tests/fuzz/regress/NAME/) and then fuzzes it for N s on a
# fresh copy of its seed corpus (tests/fuzz/corpus/NAME/; the repository copy
# is never written). It fails if any target crashes; the crashing input is in
# build/fuzz/artifacts/NAME/. `make fuzz-build` only builds; `make fuzz-seeds`
# regenerates the seed corpora from real encodings (tests/fuzz/gen/).
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
FUZZ_SAN := fuzzer-no-link,address,undefined
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))

# The library is rebuilt by the rules above in a separate tree: a make of its
# own with clang and the sanitizers, which then links the targets.
fuzz-build:
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
		SANITIZE=$(FUZZ_SAN) CFLAGS="-O1 -g" LDFLAGS= fuzz-bins

# Only meaningful inside fuzz-build (BUILD=build/fuzz, CC=clang).
fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/bin/%)

$(BUILD)/bin/fuzz_%: tests/fuzz/fuzz_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) -fsanitize=fuzzer $(LDFLAGS)

fuzz: fuzz-build
	@sh scripts/fuzz-run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(BUILD)/tests/gen_seeds: tests/fuzz/gen/gen_seeds.c tests/tools/entry_vectors.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

fuzz-seeds: $(BUILD)/tests/gen_seeds
	$(BUILD)/tests/gen_seeds tests/fuzz/corpus

.PHONY: fuzz fuzz-build fuzz-bins fuzz-seeds

-include $(wildcard $(BUILD)/bin/*.d)

# ---- bench: performance figures (not tests) --------------------------------
# Each bench/*_bench.c is built against the library and run by bench/run.sh
# (so are bench/*_bench.sh scripts); every "name value unit" line they print
# is gathered into bench/results.json. BENCH_QUICK=1 for a short run.
BENCH_SRCS := $(wildcard bench/*_bench.c)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

bench: $(BENCH_BINS) $(BUILD)/tests/hlt_make $(BUILD)/hotline
	@BUILD=$(BUILD) sh bench/run.sh $(BENCH_BINS)

# Helpers driven by the bench scripts (bench/tools/*.c, not run by run.sh),
# built by the rule above into $(BUILD)/bench/tools/; the scripts also need
# the daemon.
BENCH_TOOL_BINS := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/tools/*.c))
bench: $(BENCH_TOOL_BINS) $(BUILD)/hotlined $(BUILD)/tests/apiload

.PHONY: bench

-include $(wildcard $(BUILD)/bench/*.d $(BUILD)/bench/tools/*.d)

# ---- valgrind: the unit tests under memcheck -------------------------------
# `make valgrind` builds the unit tests again without sanitizers (ASan and
# valgrind cannot share a process) in build/valgrind and runs each
# tests/unit binary under memcheck: a memory error, or a definite or indirect
# leak, in the test or in any process it forks fails it (so does the test
# failing). One PASS/FAIL/SKIP line per binary; logs in build/valgrind/logs/.
# VALGRIND_SKIP names tests left out:
#   test_keyprotect: Argon2id (crypto_pwhash at its interactive cost, many
#     derivations) takes ~20 s natively and over 10 min under memcheck; the
#     same code runs under ASan + UBSan in check-asan.
#   test_sandbox: memcheck does not implement seccomp(2) (valgrind 3.19:
#     "unhandled syscall 317"), and a filter would also apply to valgrind's
#     own system calls; check-asan runs it.
VALGRIND ?= valgrind
VALGRIND_BUILD := build/valgrind
VALGRIND_FLAGS := --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--track-fds=no -q
VALGRIND_SKIP ?= test_keyprotect test_sandbox
VALGRIND_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

valgrind:
	$(Q)$(MAKE) --no-print-directory BUILD=$(VALGRIND_BUILD) SANITIZE= CFLAGS="-O1 -g" \
		valgrind-bins
	@VALGRIND="$(VALGRIND)" VALGRIND_FLAGS="$(VALGRIND_FLAGS)" \
		sh scripts/valgrind-run.sh $(VALGRIND_BUILD) "$(VALGRIND_SKIP)" $(VALGRIND_NAMES)

# Only meaningful inside valgrind (BUILD=build/valgrind, no sanitizers).
valgrind-bins: $(UNIT_BINS)

.PHONY: valgrind valgrind-bins
