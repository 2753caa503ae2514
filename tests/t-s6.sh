#!/bin/sh
# SPDX-License-Identifier: ISC
# The s6 service directory (scripts/s6) run for real under s6-svscan
# against the private Dovecot: the loop idles, a delivery runs the hook
# and s6-log writes the line with a timestamp; "s6-svc -d" stops it
# cleanly, also while the hook runs, and leaves no process of the hook
# behind; a wrong password ends in exit 100, which finish turns into
# 125 (permanent failure): s6-supervise does not restart it.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need s6-svscan s6; then
	not_ok 's6 is installed' "see $TESTDIR/apt.log"
	done_testing
fi

scan=$TESTDIR/scan
sv=$scan/imapwait-alice
log=$sv/log/main/current
runs=$RUNS
service_dir s6 "$sv"
empty_mailbox alice

PATH=$TOP/scripts:$PATH s6-svscan "$scan" </dev/null >"$TESTDIR/svscan.out" 2>&1 &
svscan_pid=$!
IW_PIDS="$IW_PIDS $svscan_pid"

if ! wait_count "$log" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the service starts and idles (s6-log: "idling")' && show "$log"
	s6-svscanctl -t "$scan"
	done_testing
fi
ok 'the service starts and idles (s6-log: "idling")'

deliver alice INBOX 'to s6'
if wait_count "$runs" '' 2 "$(scaled 10)"; then
	ok 'a delivery runs the hook'
else
	not_ok 'a delivery runs the hook' && show "$log"
fi
if wait_text "$log" 'new mail (0 -> 1)' 5; then
	ok 's6-log wrote the "new mail" line'
else
	not_ok 's6-log wrote the "new mail" line' && show "$log"
fi
check 's6-log T stamps it: YYYY-MM-DD HH:MM:SS.frac' grep -qE \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]+ +imapwait: alice@localhost/INBOX: new mail \(0 -> 1\)$' "$log"

wait_count "$log" 'idling (' 2 "$(scaled 10)"
loop=$(s6-svstat -o pid "$sv")
iw=$(imapwait_of "$loop")
check "the run process is the loop ($loop), imapwait its child ($iw)" test -n "$iw"
s6-svc -wd -T 5000 -d "$sv"
check_exit 's6-svc -d: down within 5 s' 0 $?
check 'the loop and imapwait are gone' sh -c "! kill -0 $loop 2>/dev/null && ! kill -0 ${iw:-0} 2>/dev/null"
check 'it died by SIGTERM, as asked' test "$(s6-svstat -o signal "$sv")" = SIGTERM

# s6-svc -d while the hook runs: nothing of the hook is left
s6-svc -u "$sv"
if wait_count "$log" 'idling (' 3 "$(scaled 20)" && slow_hook; then
	hook=$(left service | tr '\n' ' ')
	s6-svc -wd -T 10000 -d "$sv"
	check_exit "s6-svc -d during the hook (the loop and the hook: $hook): down" 0 $?
	l=$(left service)
	check "no process of the hook is left (${l:-none})" test -z "$l"
	check 'the loop died by SIGTERM' test "$(s6-svstat -o signal "$sv")" = SIGTERM
else
	not_ok 'the slow hook runs' && show "$log"
fi
kill_marked service

# a wrong password: finish says 125, s6-supervise leaves it down
printf 'wrong\n' >"$TESTDIR/alice.pass"
s6-svc -u "$sv"
if wait_text "$log" 'not restarting' "$(scaled 15)"; then
	ok 'wrong password: finish says it does not restart'
else
	not_ok 'wrong password: finish says it does not restart' && show "$log"
fi
sleep 3
check "down: $(s6-svstat "$sv")" test "$(s6-svstat -o up "$sv")" = false
check 'with exit code 100' test "$(s6-svstat -o exitcode "$sv")" = 100
check 'not wanted up any more (125 from finish)' test "$(s6-svstat -o wantedup "$sv")" = false
check 'after one attempt' test "$(count "$log" 'login failed')" -eq 1

s6-svscanctl -t "$scan"
wait_pid_exit "$svscan_pid" 10
check_exit 's6-svscanctl -t: s6-svscan ends' 0 $?

done_testing
