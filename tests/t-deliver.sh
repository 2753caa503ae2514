#!/bin/sh
# SPDX-License-Identifier: ISC
# A message delivered while imapwait idles wakes it at once: exit 0, and
# the log line says how the count rose.
. "$(dirname "$0")/lib.sh"

empty_mailbox alice
if idle empty; then
	check_log 'an empty INBOX: "idling (0 messages)"' "$IW_LOG" 'idling (0 messages)'
	t0=$(now_ms)
	deliver alice INBOX 'hello'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	st=$?
	ms=$(($(now_ms) - t0))
	check_exit 'a delivery during IDLE: exit 0' 0 "$st"
	check_log 'logs "new mail (0 -> 1)"' "$IW_LOG" 'new mail (0 -> 1)'
	check_log 'the log line names account and mailbox' "$IW_LOG" 'imapwait: alice@localhost/INBOX: new mail'
	if [ "$ms" -le $(($(scaled 3) * 1000)) ]; then
		ok "wakes promptly ($ms ms after the delivery)"
	else
		not_ok "wakes promptly" "$ms ms after the delivery"
	fi
fi

# Mail already there is not new: two old messages, one more arrives.
deliver alice INBOX 'second'
if idle two; then
	check_log 'two messages: "idling (2 messages)"' "$IW_LOG" 'idling (2 messages)'
	deliver alice INBOX 'third'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'a third message: exit 0' 0 $?
	check_log 'logs "new mail (2 -> 3)"' "$IW_LOG" 'new mail (2 -> 3)'
fi

# Nothing on stdout: it is for output a script asks for.
check 'prints nothing on stdout' test ! -s "$TESTDIR/two.out"

done_testing
