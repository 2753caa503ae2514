#!/bin/sh
# SPDX-License-Identifier: ISC
# With nothing delivered, -t 3 ends the wait after about 3 s: DONE, LOGOUT,
# exit 2, "timed out after 3 seconds".
. "$(dirname "$0")/lib.sh"

empty_mailbox alice
log_mark
if idle quiet -t 3 -v; then
	t0=$(now_ms)
	wait_pid_exit "$IW_PID" "$(scaled 15)"
	st=$?
	ms=$(($(now_ms) - t0))
	check_exit 'no mail within -t 3: exit 2' 2 "$st"
	check_log 'logs "timed out after 3 seconds"' "$IW_LOG" 'timed out after 3 seconds'
	if [ "$ms" -ge 2500 ] && [ "$ms" -le $((3000 + $(scaled 2) * 1000)) ]; then
		ok "the wait lasted about 3 s ($ms ms after IDLE was accepted)"
	else
		not_ok "the wait lasted about 3 s" "$ms ms after IDLE was accepted"
	fi
	check 'the trace shows DONE sent' grep -q ': C: DONE$' "$IW_LOG"
	check 'the trace shows LOGOUT sent' grep -qE ': C: [^ ]+ LOGOUT$' "$IW_LOG"
	if wait_log ': Logged out ' 5; then
		ok 'Dovecot logged a clean logout'
	else
		not_ok 'Dovecot logged a clean logout'
		log_since | show /dev/stdin
	fi
fi

# -t 3 without -v: the same, and quiet otherwise
if idle quietly -t 1 -q; then
	wait_pid_exit "$IW_PID" "$(scaled 15)"
	check_exit '-q -t 1: exit 2' 2 $?
	check '-q: nothing on stderr' test ! -s "$IW_LOG"
fi

done_testing
