#!/bin/sh
# SPDX-License-Identifier: ISC
# A harmless odd line while idling, then a real "* 4 EXISTS", one session
# each (fakeimap's ODD_OK): "* OK" without text (optional in RFC 9051), a
# bare "+", and a second continuation "+ again". None is new mail or an
# error: 0 on the real EXISTS, "3 -> 4".
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

for name in ok-bare cont-bare cont-again; do
	FAULT_NAME="fault-odd-$name"
	FAKE_REC=$TESTDIR/fake-$name.rec
	FAKE_LOG=$TESTDIR/fake-$name.log
	fake "odd-$name"
	fake_iw
	wait_idling
	fake_wait 8
	check_exit "odd-$name: exit status 0" 0 "$IW_STATUS"
	check_log "odd-$name: logs \"new mail (3 -> 4)\"" "$IW_LOG" "new mail (3 -> 4)"
	result "0"
	wait "$FAKE_PID" 2>/dev/null
done
done_testing
