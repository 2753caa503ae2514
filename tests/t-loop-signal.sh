#!/bin/sh
# SPDX-License-Identifier: ISC
# SIGTERM to imapwait-loop while imapwait idles: the loop passes it on,
# imapwait logs out, and both are gone within a second; the loop dies by
# SIGTERM, so a supervisor sees a signal, not a failure.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

loop_start term true
if ! wait_count "$LOOP_LOG" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the loop starts and idles' && show "$LOOP_LOG"
	done_testing
fi
sleep 0.5
iw=$(imapwait_of "$LOOP_PID")
check "imapwait runs as the loop's child ($iw)" test -n "$iw"
log_mark
t0=$(now_ms)
kill -TERM "$LOOP_PID"
i=0
while [ $i -lt 30 ] && { alive "$LOOP_PID" || { [ -n "$iw" ] && alive "$iw"; }; }; do
	sleep 0.05
	i=$((i + 1))
done
ms=$(($(now_ms) - t0))
if ! alive "$LOOP_PID" && { [ -z "$iw" ] || ! alive "$iw"; }; then
	check "both gone within 1 s ($ms ms)" test "$ms" -le 1000
else
	not_ok 'both gone within 1 s' "after $ms ms: loop $(alive "$LOOP_PID" && echo alive), imapwait $(alive "$iw" && echo alive)"
fi
wait_pid_exit "$LOOP_PID" 5
check_exit 'the loop dies by SIGTERM (143)' 143 $?
check_log 'and says so' "$LOOP_LOG" 'stopped by SIGTERM'
if wait_log ': Logged out ' 5; then
	ok 'imapwait logged out (Dovecot says "Logged out")'
else
	not_ok 'imapwait logged out' && log_since | show /dev/stdin
fi

done_testing
