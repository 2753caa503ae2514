#!/bin/sh
# SPDX-License-Identifier: ISC
# Names beyond ASCII: a mailbox called "Entwürfe" (modified UTF-7 on the
# wire), and bob, whose password has a quote, a backslash, a space and
# 8-bit UTF-8, logging in with the default mechanism and with -a login.
. "$(dirname "$0")/lib.sh"

empty_mailbox alice Entwürfe
empty_mailbox alice INBOX
if idle drafts -v -m Entwürfe; then
	check 'EXAMINE names the mailbox in modified UTF-7' \
		grep -q ': C: [^ ]* EXAMINE "\{0,1\}Entw&APw-rfe' "$IW_LOG"
	check_log 'logs "idling (0 messages)" for alice@localhost/Entwürfe' \
		"$IW_LOG" 'alice@localhost/Entwürfe: idling (0 messages)'

	# mail for another mailbox is not for this one
	deliver alice INBOX 'not a draft'
	sleep 2
	check 'a delivery into INBOX does not wake a watcher of Entwürfe' alive "$IW_PID"

	deliver alice Entwürfe 'a draft'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'a delivery into Entwürfe: exit 0' 0 $?
	check_log 'logs "new mail (0 -> 1)"' "$IW_LOG" 'alice@localhost/Entwürfe: new mail (0 -> 1)'
fi

# bob, default mechanism (AUTHENTICATE PLAIN, as Dovecot offers it)
empty_mailbox bob
if idle bob-plain -v -u bob -P "$DOVECOT/bob.pass"; then
	check 'bob logs in with AUTHENTICATE PLAIN' \
		grep -q ': C: [^ ]* AUTHENTICATE PLAIN' "$IW_LOG"
	deliver bob INBOX 'for bob'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'bob, default mechanism: a delivery wakes him, exit 0' 0 $?
	check_log 'logs "new mail (0 -> 1)" for bob' "$IW_LOG" 'bob@localhost/INBOX: new mail (0 -> 1)'
fi

# bob with -a login: the password goes as a quoted string or literal
if idle bob-login -v -u bob -P "$DOVECOT/bob.pass" -a login; then
	check 'bob logs in with LOGIN' grep -q ': C: [^ ]* LOGIN ' "$IW_LOG"
	check_log 'bob, -a login: "idling (1 message)"' "$IW_LOG" 'idling (1 message)'
	deliver bob INBOX 'for bob again'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit 'bob, -a login: a delivery wakes him, exit 0' 0 $?
fi

# -a plain, explicitly
iw_run bob-plain2 -t 1 -u bob -P "$DOVECOT/bob.pass" -a plain
check_exit 'bob, -a plain: idles, exit 2 at -t 1' 2 "$IW_STATUS"

done_testing
