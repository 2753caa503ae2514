#!/bin/sh
# SPDX-License-Identifier: ISC
# make install and make uninstall, in a copy of the tree: install(1)
# with modes; installing again while the installed imapwait runs works
# (the running one keeps its file); the units and the init script name
# BINDIR; uninstall removes exactly what install put there. The caller's
# CPPFLAGS, CFLAGS and LDFLAGS add to the build's own: with
# CPPFLAGS=-DNDEBUG, and with Debian's hardening flags, it builds
# without a warning.
# repeat: no
. "$(dirname "$0")/lib.sh"

src=$TESTDIR/src
dest=$TESTDIR/dest
mkdir -p "$src" "$dest"
(cd "$TOP" && tar -cf - --exclude=./.git --exclude=./tests/tmp \
	--exclude=./debian/imapwait .) | tar -xf - -C "$src"

# build WHAT ARGS...: make -B in the copy, exit 0 and no warning
build() {
	_what=$1
	shift
	if make -s -B -C "$src" imapwait "$@" >"$TESTDIR/build.log" 2>&1 &&
	    ! grep -qi warning "$TESTDIR/build.log"; then
		ok "$_what"
	else
		not_ok "$_what"
		show "$TESTDIR/build.log"
	fi
}

build 'make CPPFLAGS=-DNDEBUG: no warning (_GNU_SOURCE stays)' CPPFLAGS=-DNDEBUG
check 'and the binary runs' sh -c "'$src/imapwait' -V | grep -q '^imapwait '"
if command -v dpkg-buildflags >/dev/null; then
	build "make with Debian's hardening flags: no warning" \
		CPPFLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CPPFLAGS)" \
		CFLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get CFLAGS)" \
		LDFLAGS="$(DEB_BUILD_MAINT_OPTIONS=hardening=+all dpkg-buildflags --get LDFLAGS)"
fi
CFLAGS='-O1' build 'CFLAGS from the environment: no warning'
cmd=$(CFLAGS=-O1 make -n -B -C "$src" imapwait CPPFLAGS=-DNDEBUG LDFLAGS=-Wl,-O1)
for w in -O1 -DNDEBUG -Wl,-O1 '-DVERSION=' -Wall -lmbedtls; do
	case " $cmd " in
	*" $w"*) ok "the compile line has $w" ;;
	*) not_ok "the compile line has $w" "$cmd" ;;
	esac
done

make -s -C "$src" install DESTDIR="$dest" PREFIX=/usr >"$TESTDIR/install.log" 2>&1
check_exit 'make install DESTDIR=... PREFIX=/usr' 0 $?
find "$dest" -type f -printf '%m %P\n' | sort >"$TESTDIR/files"
check 'programs 0755 in /usr/bin' grep -qx '755 usr/bin/imapwait-loop' "$TESTDIR/files"
check 'manuals 0644' grep -qx '644 usr/share/man/man8/imapwait-service.8' "$TESTDIR/files"
check 'the account example' grep -qx '644 usr/share/imapwait/account.conf.example' "$TESTDIR/files"
check 'the runit template' grep -qx '755 usr/share/imapwait/runit/finish' "$TESTDIR/files"
check 'the supervisor guide' grep -qx '644 usr/share/doc/imapwait/supervisors.md' "$TESTDIR/files"
check 'the system unit runs /usr/bin/imapwait-service' grep -q \
	'^ExecStart=/usr/bin/imapwait-service ' "$dest/usr/lib/systemd/system/imapwait@.service"
check 'so does the user unit' grep -q \
	'^ExecStart=/usr/bin/imapwait-service ' "$dest/usr/share/systemd/user/imapwait@.service"
check 'and the init script' grep -q \
	'^DAEMON=${DAEMON:-/usr/bin/imapwait-service}$' "$dest/usr/share/imapwait/init.d/imapwait"
check 'no file is left behind half-written (.new)' sh -c "! grep -q '\\.new\$' '$TESTDIR/files'"

# another state directory reaches the init script and the system unit
make -s -C "$src" install DESTDIR="$TESTDIR/dest2" STATEDIR=/var/lib/mail/imapwait \
	>"$TESTDIR/install3.log" 2>&1
check 'STATEDIR=/var/lib/mail/imapwait: in the init script' grep -qx \
	'STATEDIR=${STATEDIR:-/var/lib/mail/imapwait}' "$TESTDIR/dest2/usr/local/share/imapwait/init.d/imapwait"
check 'and the system unit (StateDirectory=mail/imapwait)' grep -qx \
	'StateDirectory=mail/imapwait' "$TESTDIR/dest2/usr/local/lib/systemd/system/imapwait@.service"

# the installed imapwait, running (waiting for a greeting that does not
# come), while make install runs again
python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
time.sleep(30)
' >"$TESTDIR/port" &
srv=$!
IW_PIDS="$IW_PIDS $srv"
i=0
while [ ! -s "$TESTDIR/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
IMAPWAIT=$dest/usr/bin/imapwait
iw_start running -p "$(cat "$TESTDIR/port")" -w 30 -C "$CA" -P "$DOVECOT/alice.pass"
sleep 0.5
check 'the installed imapwait runs' alive "$IW_PID"
make -s -C "$src" install DESTDIR="$dest" PREFIX=/usr >"$TESTDIR/install2.log" 2>&1
st=$?
check_exit 'make install again, over the running imapwait' 0 "$st"
[ "$st" -eq 0 ] || show "$TESTDIR/install2.log"
check 'which runs on, from its old file' alive "$IW_PID"
kill -TERM "$IW_PID" "$srv" 2>/dev/null

make -s -C "$src" uninstall DESTDIR="$dest" PREFIX=/usr >"$TESTDIR/uninstall.log" 2>&1
check_exit 'make uninstall' 0 $?
left=$(find "$dest" ! -type d | head -n 5)
check "no file is left (${left:-none})" test -z "$left"
left=$(find "$dest" -type d \( -name imapwait -o -name runit -o -name init.d \) | head -n 5)
check "nor a directory of imapwait's own (${left:-none})" test -z "$left"

done_testing
