#!/bin/sh
# SPDX-License-Identifier: ISC
# Flag changes (FETCH) and EXPUNGEs during IDLE are not new mail: imapwait
# keeps waiting. A delivery after them still wakes it, counted from what
# the connection saw last.
. "$(dirname "$0")/lib.sh"

empty_mailbox alice
deliver alice INBOX 'one'
m1=$LAST_MSG
deliver alice INBOX 'two'
m2=$LAST_MSG

if idle flags -v; then
	check_log 'two messages: "idling (2 messages)"' "$IW_LOG" 'idling (2 messages)'

	# another client marks the first message \Seen
	set_flags alice INBOX "$m1" S
	if wait_text "$IW_LOG" 'FETCH (FLAGS (\Seen' "$(scaled 5)"; then
		ok 'the server reported the flag change (FETCH) during IDLE'
	else
		not_ok 'the server reported the flag change (FETCH) during IDLE'
		show "$IW_LOG"
	fi
	sleep 1
	check 'a flag change is not new mail: still idling' alive "$IW_PID"

	# and expunges the second
	expunge alice INBOX "$m2"
	if wait_text "$IW_LOG" 'S: * 2 EXPUNGE' "$(scaled 5)"; then
		ok 'the server reported the EXPUNGE during IDLE'
	else
		not_ok 'the server reported the EXPUNGE during IDLE'
		show "$IW_LOG"
	fi
	sleep 1
	check 'an EXPUNGE is not new mail: still idling' alive "$IW_PID"

	# a new message brings the count back to 2: that is new mail
	deliver alice INBOX 'three'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'a delivery after them: exit 0' 0 $?
	check_log 'logs "new mail (1 -> 2)"' "$IW_LOG" 'new mail (1 -> 2)'
fi

done_testing
