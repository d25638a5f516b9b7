# osfs: ObjectStack packages as a FUSE filesystem.
#
#   make            build osfs and osfsctl
#   make test       unit tests (Check) and integration tests (real mounts)
#   make install    install into $(DESTDIR)$(PREFIX)
#   make SAN=1 ...  build and test with AddressSanitizer + UBSan (in build-san/)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= /sbin
DOCDIR    ?= $(PREFIX)/share/doc/osfs
PKGS      := fuse3 sqlite3 libcjson libxxhash
PKG_CONFIG ?= pkg-config

ifeq ($(SAN),1)
BUILD     ?= build-san
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT       ?= -O1 -g
else
BUILD     ?= build
SANFLAGS  :=
OPT       ?= -O2 -g
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS))
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CPPFLAGS  += -I. -D_GNU_SOURCE -DOSFS_VERSION='"$(VERSION)"'
CFLAGS    ?= $(OPT)
CFLAGS    += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -fno-common $(SANFLAGS) $(PKG_CFLAGS)
LDFLAGS   += $(SANFLAGS)
LDLIBS    += $(PKG_LIBS) -lpthread

LIB_SRC   := $(wildcard catalog/*.c) $(wildcard store/*.c)
FS_SRC    := $(wildcard fs/*.c)
CTL_SRC   := $(wildcard tools/*.c)
UNIT_SRC  := $(wildcard tests/unit/check_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
FS_OBJ    := $(FS_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBOSFS   := $(BUILD)/libosfs.a
OSFS      := $(BUILD)/osfs
OSFSCTL   := $(BUILD)/osfsctl

.PHONY: all test unit integration install uninstall clean demo demo-stop check-san valgrind

all: $(OSFS) $(OSFSCTL) osfs osfsctl

# Convenience links at the top of the checkout, so ./osfs and ./osfsctl work.
osfs osfsctl: %: $(BUILD)/%
	ln -sf $(BUILD)/$@ $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIBOSFS): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(OSFS): $(FS_OBJ) $(LIBOSFS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(OSFSCTL): $(CTL_OBJ) $(LIBOSFS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/check_%.o: tests/unit/check_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(LIBOSFS)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; CK_FORK=yes $$t; done

integration: $(OSFS) $(OSFSCTL)
	OSFS=$(abspath $(OSFS)) OSFSCTL=$(abspath $(OSFSCTL)) tests/integration/run.sh

test: unit integration

check-san:
	$(MAKE) SAN=1 test

# The unit tests under valgrind memcheck (no fork, so leaks are seen).
valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	  CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=1 $$t; done

install: $(OSFS) $(OSFSCTL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(OSFS) $(DESTDIR)$(BINDIR)/osfs
	install -m 0755 $(OSFSCTL) $(DESTDIR)$(BINDIR)/osfsctl
	install -m 0644 README.md $(wildcard docs/*.md) $(DESTDIR)$(DOCDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/osfs $(DESTDIR)$(BINDIR)/osfsctl
	rm -rf $(DESTDIR)$(DOCDIR)

demo: all
	tools/demo.sh start

demo-stop:
	tools/demo.sh stop

clean:
	rm -rf build build-san osfs osfsctl

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
