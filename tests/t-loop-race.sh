#!/bin/sh
# SPDX-License-Identifier: ISC
# A signal that reaches imapwait-loop between starting a child and
# knowing its PID (the "$@" & ... child=$! gap) does not leave the child
# running: strace holds the loop in each fork for a while, so that the
# SIGTERM comes exactly there. A stand-in for imapwait: no server needed.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! need strace strace; then
	not_ok 'strace is installed' "see $TESTDIR/apt.log"
	done_testing
fi
# can this test trace at all (a container may forbid ptrace)?
if ! strace -o /dev/null true 2>"$TESTDIR/strace.log"; then
	ok "# skip: strace cannot trace here: $(head -n 1 "$TESTDIR/strace.log")"
	done_testing
fi

# each fork of the loop (not of its children) returns 0.4 s late; its
# temporary directory (and so its tee) is named after the test too
mkdir -p "$TESTDIR/race-tmp"
LOOP_PREFIX="env TMPDIR=$TESTDIR/race-tmp strace -o $TESTDIR/strace.out -e trace=clone,clone3,fork,vfork -e inject=clone:delay_exit=400000 -e inject=clone3:delay_exit=400000 -e inject=fork:delay_exit=400000"
fake_loop race 'idle' true
LOOP_PREFIX=
strace_pid=$LOOP_PID
# the loop is strace's child, once that child runs the loop (before its
# exec it is strace's own fork, under another name)
i=0
loop=
while [ $i -lt 50 ] && [ -z "$loop" ]; do
	for c in $(children "$strace_pid"); do
		grep -qaF imapwait-loop "/proc/$c/cmdline" 2>/dev/null && loop=$c
	done
	[ -n "$loop" ] || sleep 0.1
	i=$((i + 1))
done
if ! wait_text "$LOOP_LOG" 'fake run 1: idle' 20; then
	not_ok 'the stand-in started' && show "$LOOP_LOG"
	done_testing
fi
# the stand-in runs; the loop is still inside the fork that started it
kill -TERM "$loop"
wait_pid_exit "$strace_pid" 10
check_exit 'the loop dies by SIGTERM' 143 $?
sleep 0.5
left=
for p in $(grep -alsF -- "$TESTDIR/race" /proc/[0-9]*/cmdline); do
	p=${p#/proc/}
	p=${p%/cmdline}
	alive "$p" && [ "$p" != "$loop" ] && left="$left $p"
done
check "the stand-in started in the gap, and the loop's tee, are gone (${left:-none left})" test -z "$left"
for p in $left; do kill -KILL "$p" 2>/dev/null; done

done_testing
