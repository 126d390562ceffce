# hotline — plain Makefile (no autoconf). Variables with ?= may be overridden.
CC ?= cc
PKG_CONFIG ?= pkg-config
BUILD ?= build
PREFIX ?= /usr/local
SANITIZE ?=
V ?= 0

PKGS := libsodium sqlite3 libuv jansson inih
TEST_PKGS := cmocka

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

ifeq ($(V),0)
Q := @
msg = @printf '  %-6s %s\n' $(1) $(2);
else
Q :=
msg :=
endif

MAINS := src/hotline.c src/hotlined.c
CMD_SRCS := $(wildcard src/cmd_*.c)
LIB_SRCS := $(filter-out $(MAINS) $(CMD_SRCS),$(wildcard src/*.c))
LIB_OBJS := $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)
CMD_OBJS := $(CMD_SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/libhotline.a

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tests/%)

all: $(BUILD)/hotline $(BUILD)/hotlined

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILD)/hotline: $(BUILD)/obj/hotline.o $(CMD_OBJS) $(LIB)
	$(call msg,LD,$@)$(CC) $(HL_LDFLAGS) $(LDFLAGS) -o $@ $(BUILD)/obj/hotline.o $(CMD_OBJS) $(LIB) $(PKG_LIBS)

$(BUILD)/hotlined: $(BUILD)/obj/hotlined.o $(LIB)
	$(call msg,LD,$@)$(CC) $(HL_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(TEST_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

$(BUILD)/tests/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(HL_CFLAGS) $(CFLAGS) -Isrc $(PKG_CFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) $(HL_LDFLAGS) $(LDFLAGS)

tests: all $(UNIT_BINS) $(TOOL_BINS)

# Runs every test: unit, Noise vectors, integration against real daemons.
check: tests
	@BUILD=$(BUILD) sh tests/run.sh

check-asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined CFLAGS="-O1 -g" check

demo: all
	@BUILD=$(BUILD) bash scripts/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/hotline $(BUILD)/hotlined $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/hotline.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/hotlined.8 $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf $(BUILD) build

.PHONY: all tests check check-asan demo install clean

-include $(wildcard $(BUILD)/obj/*.d $(BUILD)/tests/*.d)
