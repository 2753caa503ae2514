#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo works: it delivers its messages, the hook reports each one
# with its latency, and it leaves nothing behind (its directory, its
# Dovecot, its loop, and nothing new set to start at boot).
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

# boot: what is set to start at boot, one line each
boot() {
	for _f in /etc/systemd/system/*.wants/* /etc/rc?.d/S*; do
		if [ -e "$_f" ] || [ -L "$_f" ]; then echo "$_f"; fi
	done
}

out=$TESTDIR/demo.out
boot >"$TESTDIR/boot.before"
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
boot >"$TESTDIR/boot.after"
check 'nothing new starts at boot' cmp -s "$TESTDIR/boot.before" "$TESTDIR/boot.after"

done_testing
