#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: SIGTERM while idling; imapwait sends DONE, and the server
# answers with a TCP RST. It still dies by SIGTERM (143 to the shell), not
# 111: the supervisor asked it to stop, and must see the signal.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake done-reset
fake_iw
wait_idling
kill -TERM "$IW_PID" 2>/dev/null
fake_wait 8
check_exit "killed by SIGTERM (143)" 143 "$IW_STATUS"
record_has "DONE was sent" "^DONE$"
record_has "and answered by a reset" "^# 1 reset$"
result "SIGTERM"
done_testing
