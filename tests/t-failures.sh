#!/bin/sh
# SPDX-License-Identifier: ISC
# Failures that retrying cannot fix exit 100; one that it may fix, 111.
. "$(dirname "$0")/lib.sh"

# A wrong password: the server rejects the login.
printf 'not-the-password\n' >"$TESTDIR/wrong.pass"
chmod 600 "$TESTDIR/wrong.pass"
log_mark
iw_run wrongpass -P "$TESTDIR/wrong.pass"
check_exit 'wrong password: exit 100' 100 "$IW_STATUS"
check_log 'logs "login failed:"' "$IW_LOG" 'login failed:'
# The server's log shows the attempt: the TLS tests rely on seeing the
# absence of such lines.
wait_log 'imap-login: ' 5
if credentials_seen; then
	ok 'the Dovecot log shows the rejected login attempt'
else
	not_ok 'the Dovecot log shows the rejected login attempt'
	log_since | show /dev/stdin
fi

# An unknown user is rejected the same way.
iw_run nouser -u mallory
check_exit 'unknown user: exit 100' 100 "$IW_STATUS"
check_log 'logs "login failed:"' "$IW_LOG" 'login failed:'

# A mailbox that does not exist.
iw_run nombox -m 'No Such Box'
check_exit 'unknown mailbox: exit 100' 100 "$IW_STATUS"
check_log 'logs "unable to examine mailbox:"' "$IW_LOG" 'unable to examine mailbox:'

# Nothing listens on the port: temporary, the loop retries later.
free=
for p in $((PORT + 7)) $((PORT + 17)) $((PORT + 27)) $((PORT + 37)); do
	if ! ss -Hltn "sport = :$p" | grep -q .; then
		free=$p
		break
	fi
done
iw_run refused -p "$free"
check_exit "nothing listening on port $free: exit 111" 111 "$IW_STATUS"
check_log "logs \"unable to connect to localhost:$free:\"" "$IW_LOG" "unable to connect to localhost:$free:"

done_testing
