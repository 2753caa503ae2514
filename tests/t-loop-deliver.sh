#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop against the real Dovecot: one delivery, one hook run; a
# delivery while the hook runs (it sleeps 2 s) gives exactly one more run,
# right after the first ends.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

runs=$TESTDIR/runs
empty_mailbox alice
loop_start deliver "$(recorder "$runs" 2)"

# no state file yet: the first run records and wakes, so the hook runs
# once at start (a fetch at boot), then the loop idles
if ! wait_count "$LOOP_LOG" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the loop starts and idles' && show "$LOOP_LOG"
	done_testing
fi
check 'at start, without a state file: one hook run' test "$(count "$runs" start)" -eq 1

# idled N: wait for the Nth "idling", then 2 s more for a stray wake
idled() {
	if ! wait_count "$LOOP_LOG" 'idling (' "$1" "$(scaled 20)"; then
		not_ok "the loop idles again (idling #$1)" && show "$LOOP_LOG"
	fi
	sleep 2
}

# one delivery, one run
t0=$(now_ms)
deliver alice INBOX 'one'
if wait_count "$runs" start 2 "$(scaled 10)"; then
	ms=$(($(sed -n 's/^start //p' "$runs" | sed -n 2p) - t0))
	ok "a delivery runs the hook (${ms} ms from delivery to hook start)"
	diag "hook start latency: $ms ms"
else
	not_ok 'a delivery runs the hook' && show "$LOOP_LOG"
fi
idled 2
check 'one delivery, one hook run' test "$(count "$runs" start)" -eq 2
check_log 'imapwait logged the new mail' "$LOOP_LOG" 'new mail (0 -> 1)'

# a delivery while the hook runs
deliver alice INBOX 'two'
if wait_count "$runs" start 3 "$(scaled 10)"; then
	sleep 0.5
	deliver alice INBOX 'three, while the hook runs'
	check 'the second delivery came while the hook ran' \
		test "$(count "$runs" end)" -eq 2
else
	not_ok 'a delivery runs the hook' && show "$LOOP_LOG"
fi
# the run after the hook wakes at once (state file), its hook runs, and
# only the run after that idles: the third "idling"
idled 3
check 'a delivery during the hook: exactly one more run' \
	test "$(count "$runs" start)" -eq 4
check_log 'woken by the state file: mail came while not watching' \
	"$LOOP_LOG" 'new mail while not watching'
end3=$(sed -n 's/^end //p' "$runs" | sed -n 3p)
start4=$(sed -n 's/^start //p' "$runs" | sed -n 4p)
gap=$((start4 - end3))
if [ "$gap" -ge 0 ] && [ "$gap" -lt $(($(scaled 2) * 1000)) ]; then
	ok "right after the first run ended ($gap ms later)"
else
	not_ok 'right after the first run ended' "$gap ms later"
	show "$runs"
fi
check 'the loop is still running' alive "$LOOP_PID"

done_testing
