#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop's side of "never lose a wake", with a stand-in for
# imapwait that keeps a state file as imapwait does: the first run has
# -R (was the last wake handled? the loop cannot know); after a hook that
# exited 0 the next runs have no -R, a temporary failure (111) in between
# included; after a failed hook the next run has -R, after a pause that
# grows (about 1 s, then 2 s), so a hook that always fails does not
# spin. The hook is told why it runs: boot (no state file before),
# retry (a wake not handled before), new.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

# the hook fails on its 2nd and 3rd run, and notes IMAPWAIT_REASON
hook="n=\$((\$(cat $TESTDIR/hook.n 2>/dev/null || echo 0) + 1)); echo \$n >$TESTDIR/hook.n
echo \"\$IMAPWAIT_REASON\" >>$TESTDIR/reasons
[ \$n -ne 2 ] && [ \$n -ne 3 ]"
fake_loop retry '0 111 0 0 2 100' "$hook"
wait_pid_exit "$LOOP_PID" 20
check_exit 'the loop ends with the stand-in'"'"'s 100' 100 $?

# rerun N: did run N have -R
rerun() {
	sed -n "$1p" "$FAKE/args" | grep -q '\[-R\]'
}
check 'run 1 (the first): -R' rerun 1
check 'run 2 (after a good hook): no -R' sh -c "! sed -n 2p '$FAKE/args' | grep -q '\[-R\]'"
check 'run 3 (after a 111 that came after a good hook): still no -R' \
	sh -c "! sed -n 3p '$FAKE/args' | grep -q '\[-R\]'"
check 'run 4 (after a failed hook): -R' rerun 4
check 'run 5 (after the hook failed again): -R' rerun 5
check 'run 6 (after a good hook): no -R' sh -c "! sed -n 6p '$FAKE/args' | grep -q '\[-R\]'"
check 'the hook ran four times (run 5 timed out: the failed hook reran)' \
	test "$(cat "$TESTDIR/hook.n")" -eq 4
check "its reasons: boot, new, retry, retry ($(tr '\n' ' ' <"$TESTDIR/reasons"))" \
	test "$(tr '\n' ' ' <"$TESTDIR/reasons")" = 'boot new retry retry '
check_log 'a failed hook is logged' "$LOOP_LOG" 'hook failed (exit 1), trying again in'
p=$(sed -n 's/.*hook failed (exit 1), trying again in \([0-9.]*\) s$/\1/p' "$LOOP_LOG" | tr '\n' ' ')
check "the pauses after failed hooks grow: about 1 s, then 2 s ($p)" awk -v p="$p" 'BEGIN {
	n = split(p, a, " ")
	exit !(n == 2 && a[1] >= 0.5 && a[1] < 1.5 && a[2] >= 1 && a[2] < 3)
}'

# a hook that always fails, against a stand-in that wakes at once: the
# loop pauses between tries instead of spinning
fake_loop spin '0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0' 'exit 1'
sleep 4
n=$(cat "$FAKE/n")
check "a hook that always fails: at most 4 runs in 4 s ($n)" test "$n" -le 4
kill -TERM "$LOOP_PID"
wait_pid_exit "$LOOP_PID" 10 >/dev/null

done_testing
