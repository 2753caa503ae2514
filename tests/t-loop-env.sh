#!/bin/sh
# SPDX-License-Identifier: ISC
# The hook is told who woke it: IMAPWAIT_USER, IMAPWAIT_HOST,
# IMAPWAIT_MAILBOX, IMAPWAIT_STATE and IMAPWAIT_REASON (boot at the first
# start without a state file, new for a delivery). One notify hook for two
# loops (INBOX and Entwürfe) says which mailbox has mail, against the real
# Dovecot.
# repeat: no
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

notes=$TESTDIR/notes
hook="printf '%s %s@%s/%s %s\n' \"\$IMAPWAIT_REASON\" \"\$IMAPWAIT_USER\" \"\$IMAPWAIT_HOST\" \"\$IMAPWAIT_MAILBOX\" \"\$IMAPWAIT_STATE\" >>$notes"
empty_mailbox alice
empty_mailbox alice 'Entwürfe'

loop_start inbox "$hook"
inbox=$LOOP_LOG
loop_start drafts "$hook" -m 'Entwürfe'
drafts=$LOOP_LOG
if wait_count "$inbox" 'idling (' 1 "$(scaled 20)" &&
    wait_count "$drafts" 'idling (' 1 "$(scaled 20)"; then
	ok 'both loops start and idle'
else
	not_ok 'both loops start and idle' && show "$inbox" && show "$drafts"
	done_testing
fi
check_log 'INBOX at its first start: boot, the login, host, mailbox and state file' "$notes" \
	"boot alice@localhost/INBOX $TESTDIR/inbox.state"
check_log 'Entwürfe at its first start: the same, its own mailbox and state' "$notes" \
	"boot alice@localhost/Entwürfe $TESTDIR/drafts.state"

deliver alice 'Entwürfe' 'for the drafts'
if wait_count "$notes" new 1 "$(scaled 10)"; then
	ok 'a delivery to Entwürfe runs the hook'
else
	not_ok 'a delivery to Entwürfe runs the hook' && show "$drafts"
fi
wait_count "$drafts" 'idling (' 2 "$(scaled 10)"
sleep 1
check 'the hook knows it is new mail in Entwürfe, and nothing for INBOX' \
	test "$(grep '^new ' "$notes")" = "new alice@localhost/Entwürfe $TESTDIR/drafts.state"

done_testing
