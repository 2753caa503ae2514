#!/bin/sh
# SPDX-License-Identifier: ISC
# The runit service directory (scripts/runit) run for real under runsv
# against the private Dovecot: the loop idles, a delivery runs the hook
# and svlogd writes imapwait's line with a timestamp; "sv down" stops the
# loop and imapwait cleanly and runit leaves them down; "sv down" while
# the hook runs leaves no process of the hook behind; a wrong password
# stops the service for good (finish turns 100 into "sv down") after one
# attempt; "sv exit" ends runsv.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need runsv runit; then
	not_ok 'runit is installed (runsv, sv, svlogd)' "see $TESTDIR/apt.log"
	done_testing
fi

sv=$TESTDIR/service/imapwait-alice
log=$sv/log/main/current
runs=$RUNS
service_dir runit "$sv"
empty_mailbox alice

PATH=$TOP/scripts:$PATH runsv "$sv" </dev/null >"$TESTDIR/runsv.out" 2>&1 &
runsv_pid=$!
IW_PIDS="$IW_PIDS $runsv_pid"

if ! wait_count "$log" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the service starts and idles (svlogd: "idling")' && show "$log"
	sv exit "$sv" >/dev/null 2>&1
	done_testing
fi
ok 'the service starts and idles (svlogd: "idling")'
check 'at start, without a state file: one hook run' test "$(count "$runs" '')" -eq 1

deliver alice INBOX 'to runit'
if wait_count "$runs" '' 2 "$(scaled 10)"; then
	ok 'a delivery runs the hook'
else
	not_ok 'a delivery runs the hook' && show "$log"
fi
if wait_text "$log" 'new mail (0 -> 1)' 5; then
	ok 'svlogd wrote the "new mail" line'
else
	not_ok 'svlogd wrote the "new mail" line' && show "$log"
fi
check 'svlogd -tt stamps it: YYYY-MM-DD_HH:MM:SS.frac' grep -qE \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ imapwait: alice@localhost/INBOX: new mail \(0 -> 1\)$' "$log"

wait_count "$log" 'idling (' 2 "$(scaled 10)"
loop=$(cat "$sv/supervise/pid")
iw=$(imapwait_of "$loop")
check "the run process is the loop ($loop), imapwait its child ($iw)" test -n "$iw"
out=$(sv -w 5 -v down "$sv" 2>&1)
check "sv down: $out" test "${out#ok: down: }" != "$out"
check 'the loop and imapwait are gone' sh -c "! kill -0 $loop 2>/dev/null && ! kill -0 ${iw:-0} 2>/dev/null"
if wait_text "$log" 'stopped by SIGTERM' 5; then
	ok 'the loop logged its stop'
else
	not_ok 'the loop logged its stop' && show "$log"
fi
sleep 2
out=$(sv status "$sv")
check "still down 2 s later: $out" test "${out#down: }" != "$out"

# sv down while the hook runs: nothing of the hook is left
sv up "$sv"
if wait_count "$log" 'idling (' 3 "$(scaled 20)" && slow_hook; then
	hook=$(left service | tr '\n' ' ')
	out=$(sv -w 10 -v down "$sv" 2>&1)
	check "sv down during the hook (the loop and the hook: $hook): $out" test "${out#ok: down: }" != "$out"
	l=$(left service)
	check "no process of the hook is left (${l:-none})" test -z "$l"
else
	not_ok 'the slow hook runs' && show "$log"
fi
kill_marked service

# a wrong password: one attempt, then down for good
printf 'wrong\n' >"$TESTDIR/alice.pass"
sv up "$sv"
if wait_text "$log" 'not restarting' "$(scaled 15)"; then
	ok 'wrong password: finish says it does not restart'
else
	not_ok 'wrong password: finish says it does not restart' && show "$log"
fi
check_log 'the log says why' "$log" 'login failed'
sleep 3
out=$(sv status "$sv")
check "down, not restarted: $out" test "${out#down: }" != "$out"
check 'after one attempt' test "$(count "$log" 'login failed')" -eq 1

# and up again once the password is right
cp "$DOVECOT/alice.pass" "$TESTDIR/alice.pass"
sv up "$sv"
if wait_count "$log" 'idling (' 4 "$(scaled 20)"; then
	ok 'sv up after the fix: it idles again'
else
	not_ok 'sv up after the fix: it idles again' && show "$log"
fi

sv exit "$sv" >/dev/null 2>&1
sv exit "$sv/log" >/dev/null 2>&1
wait_pid_exit "$runsv_pid" 10
check_exit 'sv exit: runsv ends' 0 $?

done_testing
