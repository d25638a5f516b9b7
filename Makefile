# osfs: ObjectStack packages as a FUSE filesystem.
#
#   make            build osfs and osfsctl
#   make test       the layer rules, unit tests (Check) and integration tests (real mounts)
#   make install    install into $(DESTDIR)$(PREFIX) (docs/operations.md lists the files)
#   make deps       install the Debian packages the build and make test need (tools/deps.sh)
#   make SAN=1 ...  build and test with AddressSanitizer + UBSan (in build-san/)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= /sbin
DOCDIR    ?= $(PREFIX)/share/doc/osfs
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= $(PREFIX)/lib/systemd/system
PKGS      := fuse3 sqlite3 libcjson libxxhash libcurl libpq
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
# libcurl is not linked: catalog/curl_shim.c loads it when a remote catalog
# is used (docs/performance.md, "Memory").
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(filter-out libcurl libpq,$(PKGS))) -ldl
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

CPPFLAGS  += -I. -D_GNU_SOURCE -DOSFS_VERSION='"$(VERSION)"'
CFLAGS    ?= $(OPT)
CFLAGS    += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wformat=2 -fno-common $(SANFLAGS) $(PKG_CFLAGS)
LDFLAGS   += $(SANFLAGS)
LDLIBS    += $(PKG_LIBS) -lpthread

LIB_SRC   := $(wildcard lib/*.c) $(wildcard catalog/*.c) $(wildcard store/*.c) $(wildcard store/sqlite/*.c) $(wildcard store/pg/*.c)
FS_SRC    := $(wildcard fs/*.c)
CTL_SRC   := $(wildcard tools/*.c)
# The PostgreSQL backend's unit tests start a server (tests/pg/server.sh):
# `make unit-pg`, kept out of `make unit` so the SQLite suite's time is unchanged.
UNIT_SRC  := $(filter-out tests/unit/check_pg_%,$(wildcard tests/unit/check_*.c))
UNIT_PG_SRC := $(wildcard tests/unit/check_pg_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
FS_OBJ    := $(FS_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ   := $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_PG_BIN := $(UNIT_PG_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBOSFS   := $(BUILD)/libosfs.a
OSFS      := $(BUILD)/osfs
OSFSCTL   := $(BUILD)/osfsctl

.PHONY: all test test-pg layers unit unit-pg integration install uninstall clean demo demo-stop deps check-san valgrind fuzz bench

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

# Each binary starts its own PostgreSQL 15 in a temp dir and stops it.
unit-pg: $(UNIT_PG_BIN)
	@set -e; for t in $(UNIT_PG_BIN); do echo "== $$t"; CK_FORK=yes $$t; done

integration: $(OSFS) $(OSFSCTL)
	OSFS=$(abspath $(OSFS)) OSFSCTL=$(abspath $(OSFSCTL)) tests/integration/run.sh

# The same integration tests on a PostgreSQL store that the run starts.
test-pg: layers unit-pg $(OSFS) $(OSFSCTL)
	OSFS=$(abspath $(OSFS)) OSFSCTL=$(abspath $(OSFSCTL)) tests/pg/suite.sh

# The layers run one way (docs/design.md): store/ includes nothing above
# it, and only store/sqlite/ sees SQLite.
layers:
	tests/layers.sh

test: layers unit integration

check-san:
	$(MAKE) SAN=1 test

# The unit tests under valgrind memcheck (no fork, so leaks are seen).
valgrind: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; \
	  CK_FORK=no valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=1 $$t; done

# tools/osfs.service names the default PREFIX's paths: the installed unit
# names those of this PREFIX (BINDIR, DOCDIR).
install: $(OSFS) $(OSFSCTL)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(UNITDIR)
	install -m 0755 $(OSFS) $(DESTDIR)$(BINDIR)/osfs
	install -m 0755 $(OSFSCTL) $(DESTDIR)$(BINDIR)/osfsctl
	install -m 0644 README.md $(wildcard docs/*.md) tools/osfs.service $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/man/osfsctl.1 $(DESTDIR)$(MANDIR)/man1/osfsctl.1
	install -m 0644 docs/man/osfs.8 $(DESTDIR)$(MANDIR)/man8/osfs.8
	sed -e 's|/usr/local/bin/|$(BINDIR)/|g' -e 's|/usr/local/share/doc/osfs|$(DOCDIR)|g' \
	  tools/osfs.service >$(DESTDIR)$(UNITDIR)/osfs.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/osfs.service
	@# mount -t fuse.osfs and fstab lines of type fuse.osfs run /sbin/mount.fuse.osfs
	@# (mount(8) looks there whatever PREFIX is); the link names the installed osfs.
	install -d $(DESTDIR)$(SBINDIR)
	ln -sf $(BINDIR)/osfs $(DESTDIR)$(SBINDIR)/mount.fuse.osfs

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/osfs $(DESTDIR)$(BINDIR)/osfsctl $(DESTDIR)$(SBINDIR)/mount.fuse.osfs \
	  $(DESTDIR)$(MANDIR)/man1/osfsctl.1 $(DESTDIR)$(MANDIR)/man8/osfs.8 $(DESTDIR)$(UNITDIR)/osfs.service
	rm -rf $(DESTDIR)$(DOCDIR)

deps:
	tools/deps.sh

demo: all
	tools/demo.sh start

demo-stop:
	tools/demo.sh stop

clean:
	rm -rf build build-san osfs osfsctl

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ------------------------------------------------------------------ bench
#
#   make bench                      workloads W1-W7 of bench/README.md on
#                                   real mounts (root; ~10 min on 2 vCPUs),
#                                   results in bench/results.txt
#   make bench BENCH_QUICK=1        a smoke run of about a minute
#   make bench BENCH_RUNS=3         runs per figure (5; 2 when quick)

bench: $(OSFS) $(OSFSCTL)
	OSFS=$(abspath $(OSFS)) OSFSCTL=$(abspath $(OSFSCTL)) bench/run.sh

# ------------------------------------------------------------------ fuzz
#
#   make fuzz                       build the libFuzzer targets (clang) in
#                                   build-fuzz/ and run each FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=600      a longer run
#   make fuzz FUZZ_TARGETS=fuzz_install
#
# Each target keeps a working corpus in build-fuzz/corpus-<target>/,
# seeded on every run with the fixtures, the test artifacts, the examples,
# tests/hostile/ (when present) and the saved reproducers of
# tests/fuzz/regressions/.  A crash, leak, timeout or failed invariant
# makes libFuzzer exit non-zero and the make fail; the input is saved as
# build-fuzz/<target>-crash-* (or -leak-, -timeout-, -oom-).  Reproduce
# with: build-fuzz/<target> build-fuzz/<target>-crash-...

FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= fuzz_artifact fuzz_install
# The library's packages: those of the project but FUSE (sqlite3 libcjson libxxhash).
FUZZ_PKGS    := $(filter-out fuse3,$(PKGS))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  := -g -O1 -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
                -Wmissing-prototypes -Wformat=2 -fno-common $(FUZZ_SAN) \
                $(shell $(PKG_CONFIG) --cflags $(FUZZ_PKGS))
FUZZ_LIBS    := $(shell $(PKG_CONFIG) --libs $(FUZZ_PKGS)) -lpthread
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SEEDS    = $(wildcard tests/fixtures/real/*/objectstack.json tests/artifacts/*.json \
                  examples/*/objectstack.json tests/hostile/*.json tests/fuzz/regressions/*.json)
# The real fixtures are up to 722 KB: a smaller max_len would truncate them
# as they are read and they would no longer be artifacts at all.
FUZZ_MAX_LEN ?= 1048576
FUZZ_FLAGS   ?= -max_total_time=$(FUZZ_SECONDS) -dict=tests/fuzz/json.dict -max_len=$(FUZZ_MAX_LEN) \
                -timeout=10 -rss_limit_mb=2048 -print_final_stats=1

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/libosfs-fuzz.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

.PRECIOUS: $(FUZZ_BUILD)/tests/fuzz/%.o

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libosfs-fuzz.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS)

fuzz: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
	@rc=0; for t in $(FUZZ_TARGETS); do \
	  c=$(FUZZ_BUILD)/corpus-$$t; mkdir -p $$c; \
	  for f in $(FUZZ_SEEDS); do cp -f "$$f" "$$c/seed-$$(echo "$$f" | tr / _)"; done; \
	  echo "== $$t: $(FUZZ_SECONDS)s on $$c"; \
	  UBSAN_OPTIONS=print_stacktrace=1 $(FUZZ_BUILD)/$$t $(FUZZ_FLAGS) \
	    -artifact_prefix=$(FUZZ_BUILD)/$$t- $$c || { rc=1; echo "== $$t FAILED"; }; \
	done; exit $$rc

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
