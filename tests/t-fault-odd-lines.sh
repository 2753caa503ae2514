#!/bin/sh
# SPDX-License-Identifier: ISC
# One malformed line while idling, then a real "* 4 EXISTS", one session
# each (fakeimap's ODD_BAD: empty, "*", "* ", a bare tag "a" and "a1",
# "* 9", "* 9 ", "* EXISTS", "* +9 EXISTS", "* 0x9 EXISTS", "* 9e0 EXISTS",
# "* 9.0 EXISTS"): each is a protocol error (111), never "3 -> 9", never a
# crash. Harmless odd lines: t-fault-odd-lines-ok.sh.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

for name in empty star star-space tag tag-number count count-space \
    no-count plus-count hex-count exp-count dot-count; do
	FAULT_NAME="fault-odd-$name"
	FAKE_REC=$TESTDIR/fake-$name.rec
	FAKE_LOG=$TESTDIR/fake-$name.log
	fake "odd-$name"
	fake_iw
	wait_idling
	fake_wait 8
	check_exit "odd-$name: exit status 111" 111 "$IW_STATUS"
	check_log "odd-$name: logs \"protocol error\"" "$IW_LOG" "protocol error"
	check_nolog "odd-$name: no wake" "$IW_LOG" "new mail"
	result "111"
	wait "$FAKE_PID" 2>/dev/null
done
done_testing
