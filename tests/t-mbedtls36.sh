#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait builds and works against mbedTLS 3.6 (Debian trixie's), not
# only the 2.28 that bookworm installs: fetch 3.6 into tests/tmp/mbedtls36,
# build a copy of the tree with `make MBEDTLS=...` into
# tests/tmp/imapwait-mbedtls36 (./imapwait is left alone), check that -V
# names 3.6, then against the private Dovecot that TLS 1.3 is negotiated
# and IDLE is reached. CC and CFLAGS apply to the build as for make.
# repeat: no
. "$(dirname "$0")/lib.sh"

m36=$TOP/tests/tmp/mbedtls36
bin=$TOP/tests/tmp/imapwait-mbedtls36
build=$TESTDIR/mbedtls36-build
buildlog=$TESTDIR/mbedtls36-build.log
mkdir -p "$TOP/tests/tmp"

# mbedTLS 3.6 unpacked (a second run finds it there and does nothing)
have36=
if sh "$TOP/tests/mbedtls36.sh" "$m36" >"$TESTDIR/fetch-mbedtls36.log" 2>&1; then
	ok "mbedTLS 3.6 unpacked into tests/tmp/mbedtls36"
	have36=1
else
	not_ok "mbedTLS 3.6 unpacked into tests/tmp/mbedtls36"
	show "$TESTDIR/fetch-mbedtls36.log"
fi

# imapwait builds against it with the Makefile's own flags, in a copy of
# the tree so that the main ./imapwait is not rebuilt
built=
rm -f "$bin"
if [ -z "$have36" ]; then
	not_ok "imapwait builds against mbedTLS 3.6" "no mbedTLS 3.6 to build against"
elif [ ! -f "$TOP/imapwait.c" ]; then
	not_ok "imapwait builds against mbedTLS 3.6" "no imapwait.c"
else
	rm -rf "$build"
	mkdir -p "$build"
	for f in "$TOP"/Makefile "$TOP"/*.c "$TOP"/*.h; do
		[ -f "$f" ] && cp "$f" "$build/"
	done
	if (cd "$build" && make -B CC="${CC:-cc}" MBEDTLS="$m36" imapwait) >"$buildlog" 2>&1 &&
		mv "$build/imapwait" "$bin"; then
		ok "imapwait builds against mbedTLS 3.6"
		built=1
	else
		not_ok "imapwait builds against mbedTLS 3.6"
		show "$buildlog"
	fi
fi

# and without compiler warnings (deprecated 2.28 calls and the like)
if [ -z "$built" ]; then
	not_ok "no compiler warnings against mbedTLS 3.6" "not built"
elif grep -qi 'warning:' "$buildlog"; then
	not_ok "no compiler warnings against mbedTLS 3.6"
	show "$buildlog"
else
	ok "no compiler warnings against mbedTLS 3.6"
fi

# -V names the mbedTLS it runs with
if [ -z "$built" ]; then
	not_ok "imapwait -V names mbed TLS 3.6" "not built"
else
	"$bin" -V >"$TESTDIR/mbedtls36-V.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -qiE 'mbed ?tls[^0-9]{0,4}3\.6\.' "$TESTDIR/mbedtls36-V.log"; then
		ok "imapwait -V names mbed TLS 3.6"
	else
		not_ok "imapwait -V names mbed TLS 3.6" "exit status $rc"
		show "$TESTDIR/mbedtls36-V.log"
	fi
fi

# Against Dovecot: -v traces the negotiated protocol after the handshake;
# -t 1 ends the wait a second after IDLE is accepted (exit 2), and the
# readiness byte on fd 3 says that it was.
if [ -z "$built" ]; then
	not_ok "TLS 1.3 negotiated with mbedTLS 3.6" "not built"
	not_ok "IDLE reached with mbedTLS 3.6" "not built"
else
	# shellcheck disable=SC2034 # read by iw_start
	IMAPWAIT=$bin
	iw_run idle-mbedtls36 -v -t 1
	if grep -qE 'TLS ?v?1\.3' "$IW_LOG"; then
		ok "TLS 1.3 negotiated with mbedTLS 3.6"
	else
		not_ok "TLS 1.3 negotiated with mbedTLS 3.6" "no TLS 1.3 in the -v trace"
		show "$IW_LOG"
	fi
	if [ "$IW_STATUS" -eq 2 ] && [ -s "$IW_READY" ] && grep -qF 'idling (' "$IW_LOG"; then
		ok "IDLE reached with mbedTLS 3.6"
	else
		not_ok "IDLE reached with mbedTLS 3.6" \
			"want exit status 2, a readiness byte and 'idling (': got $IW_STATUS$(status_name "$IW_STATUS")"
		show "$IW_LOG"
	fi
fi

done_testing
