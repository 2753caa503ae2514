#!/bin/sh
# SPDX-License-Identifier: ISC
# The daemontools service directory (scripts/daemontools) run for real
# under svscan against the private Dovecot: the loop idles, a delivery
# runs the hook and multilog writes the line with a TAI64N stamp; "svc -d"
# stops it cleanly, also while the hook runs, and leaves no process of the
# hook behind; a wrong password ends in exit 100, which run itself
# turns into "svc -d": supervise does not retry every second.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need svscan daemontools; then
	not_ok 'daemontools is installed' "see $TESTDIR/apt.log"
	done_testing
fi

scan=$TESTDIR/scan
sv=$scan/imapwait-alice
log=$sv/log/main/current
runs=$RUNS
service_dir daemontools "$sv"
empty_mailbox alice

PATH=$TOP/scripts:$PATH svscan "$scan" </dev/null >"$TESTDIR/svscan.out" 2>&1 &
svscan_pid=$!
IW_PIDS="$IW_PIDS $svscan_pid"

# stop: svscan, then both supervise processes, which then exit
stop_all() {
	kill -TERM "$svscan_pid" 2>/dev/null
	svc -dx "$sv" "$sv/log" 2>/dev/null
}

if ! wait_count "$log" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the service starts and idles (multilog: "idling")' && show "$log"
	stop_all
	done_testing
fi
ok 'the service starts and idles (multilog: "idling")'

deliver alice INBOX 'to daemontools'
if wait_count "$runs" '' 2 "$(scaled 10)"; then
	ok 'a delivery runs the hook'
else
	not_ok 'a delivery runs the hook' && show "$log"
fi
if wait_text "$log" 'new mail (0 -> 1)' 5; then
	ok 'multilog wrote the "new mail" line'
else
	not_ok 'multilog wrote the "new mail" line' && show "$log"
fi
check 'multilog t stamps it (TAI64N)' grep -qE \
	'^@4[0-9a-f]{23} imapwait: alice@localhost/INBOX: new mail \(0 -> 1\)$' "$log"

wait_count "$log" 'idling (' 2 "$(scaled 10)"
run=$(svstat "$sv" | sed -n 's/.*(pid \([0-9]*\)).*/\1/p')
loop=$(children "$run")
iw=$(imapwait_of "${loop:-0}")
check "run ($run) has the loop ($loop) as its child, imapwait ($iw) under it" test -n "$iw"
svc -d "$sv"
i=0
while [ $i -lt 50 ] && ! svstat "$sv" | grep -q ': down '; do
	sleep 0.1
	i=$((i + 1))
done
check "svc -d: $(svstat "$sv")" sh -c "svstat '$sv' | grep -q ': down '"
check 'run, the loop and imapwait are gone' \
	sh -c "! kill -0 $run 2>/dev/null && ! kill -0 ${loop:-0} 2>/dev/null && ! kill -0 ${iw:-0} 2>/dev/null"
if wait_text "$log" 'stopped by SIGTERM' 5; then
	ok 'the loop logged its stop'
else
	not_ok 'the loop logged its stop' && show "$log"
fi

# svc -d while the hook runs: nothing of the hook is left
svc -u "$sv"
if wait_count "$log" 'idling (' 3 "$(scaled 20)" && slow_hook; then
	hook=$(left service | tr '\n' ' ')
	svc -d "$sv"
	i=0
	while [ $i -lt 100 ] && ! svstat "$sv" | grep -q ': down '; do
		sleep 0.1
		i=$((i + 1))
	done
	check "svc -d during the hook (the loop and the hook: $hook): $(svstat "$sv")" \
		sh -c "svstat '$sv' | grep -q ': down '"
	l=$(left service)
	check "no process of the hook is left (${l:-none})" test -z "$l"
else
	not_ok 'the slow hook runs' && show "$log"
fi
kill_marked service

# a wrong password: run says svc -d
printf 'wrong\n' >"$TESTDIR/alice.pass"
svc -u "$sv"
if wait_text "$log" 'not restarting' "$(scaled 15)"; then
	ok 'wrong password: run says it does not restart'
else
	not_ok 'wrong password: run says it does not restart' && show "$log"
fi
sleep 3
check "down: $(svstat "$sv")" sh -c "svstat '$sv' | grep -q ': down .*normally up'"
check 'after one attempt' test "$(count "$log" 'login failed')" -eq 1

supervisors=$(children "$svscan_pid")
stop_all
wait_pid_exit "$svscan_pid" 10 >/dev/null
i=0
for p in $supervisors; do
	while [ $i -lt 50 ] && alive "$p"; do
		sleep 0.1
		i=$((i + 1))
	done
done
left=
for p in $supervisors; do alive "$p" && left="$left $p"; done
check "svscan and both supervise processes ($(echo $supervisors)) end" test -z "$left"

done_testing
