#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the -t deadline passes (-t 1), imapwait sends DONE, the server
# never answers; SIGTERM comes while imapwait waits for that answer. It
# dies by SIGTERM (143 to the shell), not exit 2: the supervisor must see
# the signal.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake done-stall
fake_iw -t 1
wait_idling
if wait_record '^DONE$' 5; then
	ok "DONE was sent at the deadline"
else
	not_ok "DONE was sent at the deadline"
fi
kill -TERM "$IW_PID" 2>/dev/null
fake_wait 8
check_exit "killed by SIGTERM (143)" 143 "$IW_STATUS"
check_nolog "not \"timed out\"" "$IW_LOG" "timed out"
result "SIGTERM"
done_testing
