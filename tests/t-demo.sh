#!/bin/sh
# make demo works: it delivers its messages, the hook reports each one
# with its latency, and it leaves nothing behind (its directory, its
# Dovecot, its loop).
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

out=$TESTDIR/demo.out
t0=$(now_ms)
sh "$TOP/scripts/demo" >"$out" 2>&1 </dev/null &
pid=$!
IW_PIDS="$IW_PIDS $pid"
wait_pid_exit "$pid" 60
st=$?
s=$((($(now_ms) - t0) / 1000))
check_exit "make demo exits 0 (in $s s)" 0 "$st"
check 'under a minute' test "$s" -lt 60
n=$(count "$out" 'hook: fetched "demo message')
check "the hook reports the 5 messages ($n)" test "$n" -eq 5
check_log 'and sums up the latency' "$out" 'hook started after delivery: min '
sed -n 's/^demo: \(.* messages delivered.*\)/\1/p' "$out" | sed 's/^/# /'
dir=$(sed -n 's/^demo: stopping .*, removing \(.*\)$/\1/p' "$out")
check "its directory is gone ($dir)" test -n "$dir" -a ! -e "$dir"
if [ -n "$dir" ]; then
	check 'no process of it is left' sh -c "! ps -eo args | grep -v grep | grep -qF '$dir'"
fi

done_testing
