#!/bin/sh
# SPDX-License-Identifier: ISC
# IMAP numbers are 32-bit on every platform: the unit tests and the fuzz
# target built with -m32 (where unsigned long is 32 bits) pass too. They
# link no mbedTLS (Debian has no 32-bit one in multilib), so this needs
# only gcc-multilib, lib32stdc++-12-dev and clang's i386 runtimes (in
# libclang-rt-14-dev); tests/deps.sh installs them on amd64. Elsewhere
# it is skipped. Builds go to the scratch directory, never tests/unit.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

arch=$(dpkg --print-architecture 2>/dev/null)
if [ "$arch" != amd64 ]; then
	ok "skip: -m32 builds are checked on amd64 only (this is ${arch:-unknown})"
	done_testing
fi

# the unit tests, with the Makefile's own rule, on a copy of the sources
src=$TESTDIR/src
mkdir -p "$src/tests"
cp "$TOP/imapwait.c" "$src/"
cp "$TOP/tests/unit.c" "$src/tests/"
if make -s -C "$src" -f "$TOP/Makefile" tests/unit \
    CFLAGS="-m32 -O2 -g -DUNIT_NO_MBEDTLS" LDLIBS= >"$TESTDIR/unit32-build.log" 2>&1 &&
    ! grep -qi warning "$TESTDIR/unit32-build.log"; then
	ok "tests/unit builds with -m32, without warnings and without mbedTLS"
	"$src/tests/unit" >"$TESTDIR/unit32.out" 2>"$TESTDIR/unit32.err" </dev/null
	st=$?
	if [ "$st" -eq 0 ]; then
		ok "32-bit unit tests: $(tail -n 1 "$TESTDIR/unit32.out")"
	else
		not_ok "32-bit unit tests pass" "$(tail -n 1 "$TESTDIR/unit32.out")"
		grep '^not ok' "$TESTDIR/unit32.out" | head -n 40 | sed 's/^/#   | /'
	fi
else
	not_ok "tests/unit builds with -m32"
	show "$TESTDIR/unit32-build.log"
fi

# the fuzz target, seeded with the corpus and numbers past 32 bits
fz=$TESTDIR/fuzz-scan32
corpus=$TESTDIR/corpus
mkdir -p "$corpus"
cp "$TOP"/tests/corpus/* "$corpus/"
printf '* 3 EXISTS\r\n* 4294967300 EXISTS\r\n* 1 FETCH (UID 4294967296)\r\n' >"$corpus/past-32-bits"
printf '* 1 FETCH (BODY[] {4294967296}\r\n* 99 EXISTS\r\n)\r\n' >"$corpus/literal-past-32-bits"
if clang -m32 -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -D_GNU_SOURCE -DVERSION=\"fuzz\" \
    -o "$fz" "$TOP/tests/fuzz.c" >"$TESTDIR/fuzz32-build.log" 2>&1; then
	ok "the fuzz target builds with -m32"
	secs=${FUZZ32_SECONDS:-20}
	if nice -n 10 "$fz" -max_total_time="$secs" -max_len=16384 \
	    -print_final_stats=1 -artifact_prefix="$TESTDIR/" "$corpus" \
	    >"$TESTDIR/fuzz32.log" 2>&1; then
		ok "32-bit fuzz: $(sed -n 's/^stat::number_of_executed_units: *//p' "$TESTDIR/fuzz32.log") executions in $secs s, no findings"
	else
		not_ok "32-bit fuzz: no findings"
		show "$TESTDIR/fuzz32.log" 30
	fi
else
	not_ok "the fuzz target builds with -m32"
	show "$TESTDIR/fuzz32-build.log"
fi
done_testing
