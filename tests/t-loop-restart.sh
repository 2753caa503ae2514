#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop when the server goes away: stopped, the loop backs off
# (growing pauses) without giving up; mail delivered meanwhile wakes the
# hook once the server is back; the loop recovers by itself. A Dovecot of
# this file's own, on its own ports, so the shared one stays up.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

if ! own_dovecot; then
	not_ok 'a Dovecot of its own starts'
	done_testing
fi
DOVECOT=$OWN_DIR
. "$DOVECOT/env"

runs=$TESTDIR/runs
loop_start restart "$(recorder "$runs")"
if ! wait_count "$LOOP_LOG" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the loop starts and idles' && show "$LOOP_LOG"
	done_testing
fi
before=$(count "$runs" start)

sh "$TOP/tests/dovecot.sh" stop "$DOVECOT"
check 'the server stopped' test "$(sh "$TOP/tests/dovecot.sh" status "$DOVECOT")" = 'not running'
# once imapwait has seen the server go (an imap process may outlive the
# master a moment), mail arrives that nobody watches
wait_count "$LOOP_LOG" 'retrying in' 1 "$(scaled 10)"
deliver alice INBOX 'while the server is down'

if wait_count "$LOOP_LOG" 'retrying in' 3 "$(scaled 20)"; then
	ok 'the loop retries while the server is down'
else
	not_ok 'the loop retries while the server is down' && show "$LOOP_LOG"
fi
# the pauses grow: about 1 s, 2 s, 4 s, each +-50%
p=$(sed -n 's/.*retrying in \([0-9.]*\) s$/\1/p' "$LOOP_LOG" | head -n 3 | tr '\n' ' ')
check "it backs off: pauses $p" awk -v p="$p" 'BEGIN {
	split(p, a, " ")
	exit !(a[1] >= 0.5 && a[1] < 1.5 && a[2] >= 1 && a[2] < 3 && a[3] >= 2 && a[3] < 6)
}'
check_log 'imapwait said why' "$LOOP_LOG" 'unable to connect to localhost'
check 'the loop is still running' alive "$LOOP_PID"
check 'no hook run while the server was down' test "$(count "$runs" start)" -eq "$before"

idles=$(count "$LOOP_LOG" 'idling (')
sh "$TOP/tests/dovecot.sh" start "$DOVECOT" "$PORT" >>"$TESTDIR/own-dovecot.log" 2>&1
t0=$(now_ms)
if wait_count "$runs" start $((before + 1)) "$(scaled 30)"; then
	ok "once the server is back, the mail delivered meanwhile runs the hook ($(($(now_ms) - t0)) ms after the restart)"
else
	not_ok 'once the server is back, the mail delivered meanwhile runs the hook' && show "$LOOP_LOG"
fi
check_log 'found through the state file' "$LOOP_LOG" 'new mail while not watching'
if wait_count "$LOOP_LOG" 'idling (' $((idles + 1)) "$(scaled 10)"; then
	ok 'the loop idles again by itself'
else
	not_ok 'the loop idles again by itself' && show "$LOOP_LOG"
fi
sleep 2
check 'one hook run for that mail' test "$(count "$runs" start)" -eq $((before + 1))

# and the backoff was reset by the good run: a new outage starts at ~1 s
n=$(count "$LOOP_LOG" 'retrying in')
sh "$TOP/tests/dovecot.sh" stop "$DOVECOT"
if wait_count "$LOOP_LOG" 'retrying in' $((n + 1)) "$(scaled 10)"; then
	p=$(sed -n 's/.*retrying in \([0-9.]*\) s$/\1/p' "$LOOP_LOG" | sed -n "$((n + 1))p")
	check "after a good run the pauses start again at about 1 s ($p s)" \
		awk -v p="$p" 'BEGIN { exit !(p >= 0.5 && p < 1.5) }'
else
	not_ok 'the loop retries after the second outage' && show "$LOOP_LOG"
fi

done_testing
