# imapwait: wait for new mail in an IMAP mailbox with IDLE.
# No configure step: override on the command line, e.g.
#   make CC=clang          make STATIC=1          make MBEDTLS=/path/to/prefix

VERSION  = 0.1
PREFIX   = /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CPPFLAGS = -D_GNU_SOURCE -DVERSION=\"$(VERSION)\" $(MBEDTLS_CPPFLAGS)
LDLIBS   = -lmbedtls -lmbedx509 -lmbedcrypto

# MBEDTLS=dir: build against an mbedTLS unpacked there (include/, lib/)
MBEDTLS_CPPFLAGS = $${MBEDTLS:+-I$$MBEDTLS/include}
MBEDTLS_LDFLAGS  = $${MBEDTLS:+-L$$MBEDTLS/lib -Wl,-rpath,$$MBEDTLS/lib}
# STATIC=1: a static binary (smaller private footprint per process)
STATIC_LDFLAGS   = $${STATIC:+-static}

all: imapwait

imapwait: imapwait.c
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ imapwait.c $(LDFLAGS) $(MBEDTLS_LDFLAGS) $(STATIC_LDFLAGS) $(LDLIBS)

# the unit tests include imapwait.c with its main renamed
tests/unit: tests/unit.c imapwait.c
	$(CC) $(CPPFLAGS) $(WARN) -Wno-unused-function $(CFLAGS) -o $@ tests/unit.c $(LDFLAGS) $(MBEDTLS_LDFLAGS) $(LDLIBS)

check:
	sh tests/run

demo:
	sh scripts/demo

bench:
	sh bench/run

soak:
	SOAK_RESULTS=$${SOAK_RESULTS-bench/results/soak-latest} sh tests/soak.sh

fuzz:
	sh tests/fuzz.sh

install: imapwait
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	cp imapwait scripts/imapwait-loop scripts/imapwait-service $(DESTDIR)$(BINDIR)/
	cp imapwait.1 $(DESTDIR)$(MANDIR)/man1/

clean:
	rm -f imapwait tests/unit tests/fuzz-scan imapwait-asan
	rm -rf tests/tmp

.PHONY: all check demo bench soak fuzz install clean
