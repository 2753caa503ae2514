#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop runs the hook in a process group of its own, and no
# process of a hook outlives its loop: stopped by SIGTERM, SIGINT, SIGHUP
# or SIGQUIT while the hook runs, the loop ends the hook's whole group
# (a child of the hook too, and what an earlier hook left running in the
# background), KILLs what ignores TERM after 5 s, and dies by that
# signal. With -T the loop ends a hook that runs too long, says so and
# counts it as failed. A stand-in for imapwait: no server needed.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

# the loop's process group, and the hook's, as the hook sees them
fake_loop group '0 idle' "ps -o pid=,pgid=,sid= -p \$\$ >$TESTDIR/ids; ps -o pgid= -p $$ >>$TESTDIR/ids"
if wait_text "$LOOP_LOG" 'fake run 2: idle' 5; then
	# shellcheck disable=SC2046
	set -- $(cat "$TESTDIR/ids")
	check "the hook ($1) leads a process group ($2) and a session ($3) of its own" \
		test "$1" = "$2" -a "$1" = "$3"
	check "not the loop's ($4)" test "$2" != "$4"
else
	not_ok 'the hook ran' && show "$LOOP_LOG"
fi
kill -TERM "$LOOP_PID"
wait_pid_exit "$LOOP_PID" 10 >/dev/null

# A shell starts background jobs with SIGINT and SIGQUIT ignored, and a
# shell cannot trap a signal ignored at its start: put back the default,
# as a terminal or a supervisor would have it.
cat >"$TESTDIR/sigdefault.py" <<'PY'
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
PY

# stop_during_hook SIGNAL STATUS: the hook (a shell) runs a marked sleep
# as its child; SIGNAL to the loop ends both, and the loop dies by it
stop_during_hook() {
	sl=$(marker "$1")
	LOOP_PREFIX="python3 $TESTDIR/sigdefault.py"
	fake_loop "stop-$1" '0 idle' "$sl 301; echo after"
	LOOP_PREFIX=
	if ! wait_text "$LOOP_LOG" 'running the hook' 5 || ! wait_pid_list "$1"; then
		not_ok "SIG$1 during the hook: the hook started" && show "$LOOP_LOG"
		return
	fi
	kill -"$1" "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10
	check_exit "SIG$1 during the hook: the loop dies by SIG$1" "$2" $?
	check_log "SIG$1 during the hook: and says so" "$LOOP_LOG" "stopped by SIG$1"
	l=$(left "$1")
	check "SIG$1 during the hook: nothing of the hook is left (${l:-none})" test -z "$l"
	kill_marked "$1"
}

# wait_pid_list NAME: until a marked process runs (5 s)
wait_pid_list() {
	_n=50
	while [ $_n -gt 0 ]; do
		[ -n "$(left "$1")" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

stop_during_hook TERM 143
stop_during_hook INT 130
stop_during_hook HUP 129
stop_during_hook QUIT 131

# a hook that ignores TERM: KILLed after the grace
sl=$(marker stubborn)
fake_loop stubborn '0 idle' "trap '' TERM; $sl 302"
if wait_pid_list stubborn; then
	kill -TERM "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 15
	check_exit 'a hook that ignores TERM: the loop still dies by SIGTERM' 143 $?
	l=$(left stubborn)
	check "and the hook was KILLed (${l:-none} left)" test -z "$l"
else
	not_ok 'the stubborn hook started' && show "$LOOP_LOG"
fi
kill_marked stubborn

# a hook that leaves a process running in the background: the loop goes
# on, and ends it when it stops
sl=$(marker behind)
fake_loop behind '0 idle' "$sl 303 >/dev/null 2>&1 &"
if wait_text "$LOOP_LOG" 'fake run 2: idle' 5 && wait_pid_list behind; then
	ok 'a hook that leaves a process behind: the loop goes on'
	kill -TERM "$LOOP_PID"
	wait_pid_exit "$LOOP_PID" 10
	check_exit 'SIGTERM: the loop dies by it' 143 $?
	l=$(left behind)
	check "what the hook left behind is ended too (${l:-none} left)" test -z "$l"
else
	not_ok 'a hook that leaves a process behind: the loop goes on' && show "$LOOP_LOG"
fi
kill_marked behind

# -T: a hook that runs too long is ended, logged, and counts as failed
sl=$(marker slow)
fake_loop slow '0 idle' "$sl 304" -T 1 -u bob localhost
if wait_text "$LOOP_LOG" 'fake run 2: idle' 15; then
	ok '-T 1: the loop goes on after the hook timeout'
else
	not_ok '-T 1: the loop goes on after the hook timeout' && show "$LOOP_LOG"
fi
check_log '-T 1: it says so' "$LOOP_LOG" 'the hook still runs after 1 s (-T): ending it'
check_log '-T 1: the hook counts as failed' "$LOOP_LOG" 'hook failed (timed out after 1 s)'
l=$(left slow)
check "-T 1: the hook's processes are gone (${l:-none} left)" test -z "$l"
check '-T 1: and the next run says the wake was not handled (-R)' \
	test "$(sed -n 2p "$FAKE/args" | grep -c '\[-R\]')" -eq 1
kill_marked slow

for a in '-T x' '-T -1' '-T'; do
	# shellcheck disable=SC2086
	IMAPWAIT=$fake_imapwait sh "$LOOP" $a localhost -- true 2>"$TESTDIR/usage.log"
	st=$?
	if [ "$st" -eq 100 ] && grep -q 'usage: imapwait-loop' "$TESTDIR/usage.log"; then
		ok "\"$a\": a usage error (exit 100)"
	else
		not_ok "\"$a\": a usage error (exit 100)" "exit $st" && show "$TESTDIR/usage.log"
	fi
done

done_testing
