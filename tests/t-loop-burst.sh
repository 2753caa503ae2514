#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop against the real Dovecot: 20 deliveries in a burst are all
# seen (the last hook run finds all 20), with far fewer hook runs than
# messages, and no run after the burst is over.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

runs=$TESTDIR/runs
md=$(maildir alice)
empty_mailbox alice
# the hook notes how many messages it finds, as a fetcher would fetch them
loop_start burst "find $md/new $md/cur -type f | wc -l >>$runs; sleep 0.5"

if ! wait_count "$LOOP_LOG" 'idling (' 1 "$(scaled 20)"; then
	not_ok 'the loop starts and idles' && show "$LOOP_LOG"
	done_testing
fi
before=$(wc -l <"$runs")

i=0
while [ $i -lt 20 ]; do
	deliver alice INBOX "burst $i"
	i=$((i + 1))
done

if wait_text "$runs" 20 "$(scaled 20)"; then
	ok 'a hook run finds all 20 messages'
else
	not_ok 'a hook run finds all 20 messages' && show "$runs" && show "$LOOP_LOG"
fi
idles=$(count "$LOOP_LOG" 'idling (')
check 'the loop idles again' wait_count "$LOOP_LOG" 'idling (' $((idles + 1)) "$(scaled 10)"
sleep 3
n=$(($(wc -l <"$runs") - before))
diag "hook runs for 20 messages: $n ($(sed -n "$((before + 1)),\$p" "$runs" | tr '\n' ' '))"
check "far fewer hook runs than messages: $n for 20" test "$n" -ge 1 -a "$n" -le 5
check 'the last run found all 20' test "$(tail -n 1 "$runs")" -eq 20
check 'and stays up' alive "$LOOP_PID"

done_testing
