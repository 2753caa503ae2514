# SPDX-License-Identifier: ISC
# imapwait: wait for new mail in an IMAP mailbox with IDLE.
# No configure step: override on the command line, e.g.
#   make CC=clang          make STATIC=1          make MBEDTLS=/path/to/prefix
#   make install PREFIX=/usr DESTDIR=/tmp/stage
# CPPFLAGS, CFLAGS and LDFLAGS (command line or environment) are added to
# what the build needs, never in place of it.

VERSION  = 0.2
PREFIX   = /usr/local
BINDIR   = $(PREFIX)/bin
MANDIR   = $(PREFIX)/share/man
DOCDIR   = $(PREFIX)/share/doc/imapwait
# templates: runit, s6 and daemontools service directories, account file
SHAREDIR = $(PREFIX)/share/imapwait
# where systemd looks (with PREFIX /usr/local, /usr or $HOME/.local for
# the user unit)
SYSTEMDUNITDIR     = $(PREFIX)/lib/systemd/system
SYSTEMDUSERUNITDIR = $(PREFIX)/share/systemd/user
# the init script: a template beside the others (Debian's package puts it
# in /etc/init.d)
INITDIR  = $(SHAREDIR)/init.d
# the system services' state directory: the init script's STATEDIR and,
# below /var/lib, the system unit's StateDirectory
STATEDIR = /var/lib/imapwait

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
LDLIBS   = -lmbedtls -lmbedx509 -lmbedcrypto
INSTALL  = install

# what the build needs, before the caller's flags
IW_CPPFLAGS = -DVERSION=\"$(VERSION)\" $(MBEDTLS_CPPFLAGS)
IW_LDFLAGS  = $(MBEDTLS_LDFLAGS) $(STATIC_LDFLAGS)

# MBEDTLS=dir: build against an mbedTLS unpacked there (include/, lib/)
MBEDTLS_CPPFLAGS = $${MBEDTLS:+-I$$MBEDTLS/include}
MBEDTLS_LDFLAGS  = $${MBEDTLS:+-L$$MBEDTLS/lib -Wl,-rpath,$$MBEDTLS/lib}
# STATIC=1: a static binary (smaller private footprint per process)
STATIC_LDFLAGS   = $${STATIC:+-static}

PROGRAMS = imapwait scripts/imapwait-loop scripts/imapwait-service
MAN1     = imapwait.1 scripts/imapwait-loop.1
MAN5     = scripts/imapwait.conf.5
MAN8     = scripts/imapwait-service.8
# service directory templates, as paths under scripts/ and $(SHAREDIR)
SERVICES = runit/run runit/finish runit/log/run s6/run s6/finish s6/log/run \
	daemontools/run daemontools/log/run

all: imapwait

imapwait: imapwait.c
	$(CC) $(IW_CPPFLAGS) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ imapwait.c $(IW_LDFLAGS) $(LDFLAGS) $(LDLIBS)

# the unit tests include imapwait.c with its main renamed
tests/unit: tests/unit.c imapwait.c
	$(CC) $(IW_CPPFLAGS) $(CPPFLAGS) $(WARN) -Wno-unused-function $(CFLAGS) -o $@ tests/unit.c $(MBEDTLS_LDFLAGS) $(LDFLAGS) $(LDLIBS)

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

# Every file goes in as a new file renamed over the old one, so that a
# running imapwait or loop keeps its own copy ("Text file busy" is not
# possible) and a supervisor restarting one never finds it missing.
# sub names the programs and the state directory where they are, in the
# units and the init script.
put = put() { echo "  $$2 -> $$3"; \
	$(INSTALL) -m "$$1" "$$2" "$$3.new" && mv -f "$$3.new" "$$3"; }
sub = sub() { echo "  $$2 -> $$3 (paths filled in)"; sed -e 's,/usr/local/bin/imapwait,$(BINDIR)/imapwait,g' \
	-e 's,^STATEDIR=.*,STATEDIR=$${STATEDIR:-$(STATEDIR)},' \
	-e "s,^StateDirectory=imapwait\$$,StateDirectory=$${statedir\#/var/lib/}," \
	"$$2" >"$$3.new" && chmod "$$1" "$$3.new" && mv -f "$$3.new" "$$3"; }

install: imapwait
	$(INSTALL) -d -m 755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(SHAREDIR) $(DESTDIR)$(INITDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMDUSERUNITDIR)
	@$(put); set -e; \
	for f in $(PROGRAMS); do put 755 $$f $(DESTDIR)$(BINDIR)/$${f##*/}; done; \
	for f in $(MAN1); do put 644 $$f $(DESTDIR)$(MANDIR)/man1/$${f##*/}; done; \
	for f in $(MAN5); do put 644 $$f $(DESTDIR)$(MANDIR)/man5/$${f##*/}; done; \
	for f in $(MAN8); do put 644 $$f $(DESTDIR)$(MANDIR)/man8/$${f##*/}; done; \
	put 644 README.md $(DESTDIR)$(DOCDIR)/README.md; \
	put 644 scripts/README.md $(DESTDIR)$(DOCDIR)/supervisors.md; \
	put 644 scripts/account.conf.example $(DESTDIR)$(SHAREDIR)/account.conf.example; \
	for f in $(SERVICES); do \
		$(INSTALL) -d -m 755 $(DESTDIR)$(SHAREDIR)/$${f%/*}; \
		put 755 scripts/$$f $(DESTDIR)$(SHAREDIR)/$$f; \
	done
	@$(sub); set -e; statedir='$(STATEDIR)'; \
	case $$statedir in /var/lib/?*) ;; \
	*) echo "STATEDIR=$$statedir: systemd keeps state below /var/lib" >&2; exit 1 ;; esac; \
	sub 644 scripts/systemd/imapwait.service $(DESTDIR)$(SYSTEMDUNITDIR)/imapwait.service; \
	sub 644 scripts/systemd/imapwait@.service $(DESTDIR)$(SYSTEMDUNITDIR)/imapwait@.service; \
	sub 644 scripts/systemd/user/imapwait@.service $(DESTDIR)$(SYSTEMDUSERUNITDIR)/imapwait@.service; \
	sub 755 scripts/debian/imapwait $(DESTDIR)$(INITDIR)/imapwait

# exactly what install put there: the files, and the directories that
# are imapwait's own once they are empty
uninstall:
	@echo "removing what make install put in $(DESTDIR)$(PREFIX)"; \
	for f in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$${f##*/}; done; \
	for f in $(MAN1); do rm -f $(DESTDIR)$(MANDIR)/man1/$${f##*/}; done; \
	for f in $(MAN5); do rm -f $(DESTDIR)$(MANDIR)/man5/$${f##*/}; done; \
	for f in $(MAN8); do rm -f $(DESTDIR)$(MANDIR)/man8/$${f##*/}; done; \
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(DESTDIR)$(DOCDIR)/supervisors.md \
		$(DESTDIR)$(SHAREDIR)/account.conf.example \
		$(DESTDIR)$(SYSTEMDUNITDIR)/imapwait.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/imapwait@.service \
		$(DESTDIR)$(SYSTEMDUSERUNITDIR)/imapwait@.service \
		$(DESTDIR)$(INITDIR)/imapwait; \
	for f in $(SERVICES); do rm -f $(DESTDIR)$(SHAREDIR)/$$f; done; \
	for d in runit/log runit s6/log s6 daemontools/log daemontools; do \
		rmdir $(DESTDIR)$(SHAREDIR)/$$d 2>/dev/null; \
	done; \
	rmdir $(DESTDIR)$(INITDIR) $(DESTDIR)$(SHAREDIR) $(DESTDIR)$(DOCDIR) 2>/dev/null; \
	true

clean:
	rm -f imapwait tests/unit tests/fuzz-scan imapwait-asan
	rm -rf tests/tmp

.PHONY: all check demo bench soak fuzz install uninstall clean
