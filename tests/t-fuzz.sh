#!/bin/sh
# SPDX-License-Identifier: ISC
# The line reader, the response scanner and the new-mail state machine
# under libFuzzer with ASan and UBSan, for a bounded time (FUZZ_SECONDS,
# default 60), seeded with real Dovecot transcripts: any finding fails.
# It runs at a lower priority, so that the timing of other tests running
# beside it is not disturbed.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"

out=$TESTDIR/fuzz.out
if FUZZ_SECONDS=${FUZZ_SECONDS:-60} nice -n 10 sh "$TOP/tests/fuzz.sh" >"$out" 2>&1; then
	ok "$(tail -n 1 "$out")"
else
	not_ok 'make fuzz: no findings' && show "$out"
fi
done_testing
