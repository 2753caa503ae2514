#!/bin/sh
# SPDX-License-Identifier: ISC
# -S: STARTTLS on a plain port. Against Dovecot it reaches IDLE and wakes
# on a delivery, and asks for the capabilities again once TLS is up. A
# server without STARTTLS is a permanent failure before any credential.
# Whatever the server sends after "OK Begin TLS" and before the handshake
# is discarded (the STARTTLS command-injection flaw). An implicit-TLS
# client on the plain port fails its handshake (100) and names -S; -S on
# the implicit-TLS port is 100 after the greeting deadline, saying so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# line_no FILE ERE: the number of the first line of FILE matching ERE
line_no() {
	grep -nE -- "$2" "$1" | head -n 1 | cut -d : -f 1
}

# --- Dovecot, STARTTLS port -------------------------------------------------

empty_mailbox alice
log_mark
if idle starttls -S -p "$STARTTLS_PORT" -v; then
	check_log '-S on the STARTTLS port: "idling (0 messages)"' "$IW_LOG" 'idling (0 messages)'
	deliver alice INBOX 'over STARTTLS'
	wait_pid_exit "$IW_PID" "$(scaled 10)"
	check_exit '-S: a delivery during IDLE: exit 0' 0 $?
	check_log '-S: logs "new mail (0 -> 1)"' "$IW_LOG" 'new mail (0 -> 1)'

	# In the trace: STARTTLS, the handshake, CAPABILITY again, then the
	# credentials; nothing of them before TLS.
	st=$(line_no "$IW_LOG" ': C: a[0-9]+ STARTTLS$')
	tls=$(line_no "$IW_LOG" ': TLS: ')
	cap=$(sed -n "${tls:-1},\$p" "$IW_LOG" | grep -nE ': C: a[0-9]+ CAPABILITY$' | head -n 1 | cut -d : -f 1)
	auth=$(line_no "$IW_LOG" ': C: a[0-9]+ (LOGIN|AUTHENTICATE) ')
	if [ -n "$st" ] && [ -n "$tls" ] && [ "$st" -lt "$tls" ]; then
		ok '-S trace: STARTTLS sent, then the TLS handshake'
	else
		not_ok '-S trace: STARTTLS sent, then the TLS handshake'
		show "$IW_LOG"
	fi
	if [ -n "$cap" ]; then
		ok '-S trace: CAPABILITY asked again after TLS'
	else
		not_ok '-S trace: CAPABILITY asked again after TLS'
		show "$IW_LOG"
	fi
	if [ -n "$auth" ] && [ -n "$tls" ] && [ -n "$cap" ] && [ "$auth" -gt $((tls + cap - 1)) ]; then
		ok '-S trace: credentials only after TLS and the new CAPABILITY'
	else
		not_ok '-S trace: credentials only after TLS and the new CAPABILITY' \
			"STARTTLS line ${st:-none}, TLS line ${tls:-none}, credentials line ${auth:-none}"
		show "$IW_LOG"
	fi
	if wait_log 'Login: user=<alice>' 5 && log_since | grep -q 'Login: user=<alice>.*TLS'; then
		ok '-S: Dovecot logged a login over TLS'
	else
		not_ok '-S: Dovecot logged a login over TLS'
		log_since | show /dev/stdin
	fi
fi

# --- Dovecot, the wrong kind of port -----------------------------------------

# implicit TLS on the plain port: the server's plaintext greeting is no
# TLS record
log_mark
iw_run implicit-on-plain -p "$STARTTLS_PORT"
check_exit 'implicit TLS on the plain port: exit 100' 100 "$IW_STATUS"
check_log 'logs "TLS handshake failed"' "$IW_LOG" 'TLS handshake failed'
check_log 'says the port speaks plain IMAP and names -S' "$IW_LOG" "port $STARTTLS_PORT speaks plain IMAP: use -S"
wait_log 'imap-login: ' 5
if credentials_seen; then
	not_ok 'implicit TLS on the plain port: the server received no credentials'
	log_since | show /dev/stdin
else
	ok 'implicit TLS on the plain port: the server received no credentials'
fi

# STARTTLS on the implicit-TLS port: both sides wait for the other until
# the step deadline; then a ClientHello shows that the port speaks TLS:
# a permanent failure that says to drop -S
log_mark
iw_run starttls-on-tls -S -p "$PORT" -w 2
check_exit '-S on the implicit-TLS port: exit 100 after the -w deadline' 100 "$IW_STATUS"
check_log 'says the port speaks TLS from the start' "$IW_LOG" "port $PORT speaks TLS from the start (implicit TLS): drop -S"
wait_log 'imap-login: ' 5
if credentials_seen; then
	not_ok '-S on the implicit-TLS port: the server received no credentials'
	log_since | show /dev/stdin
else
	ok '-S on the implicit-TLS port: the server received no credentials'
fi

# --- fake servers -----------------------------------------------------------

# begin NAME SCENARIO: a fresh fake STARTTLS server and record
begin() {
	FAULT_NAME=$1
	FAKE_REC=$TESTDIR/$1.rec
	rm -f "$FAKE_REC"
	diag "$1: scenario $2"
	fake "$2" --mode starttls
}

# end_fake: the fake server serves one connection; wait for it (bounded)
end_fake() {
	_i=50
	while [ $_i -gt 0 ] && alive "$FAKE_PID"; do
		sleep 0.1
		_i=$((_i - 1))
	done
	kill -TERM "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
}

# rec_line ERE: the number of the first line of the record matching ERE
rec_line() {
	line_no "$FAKE_REC" "$1"
}

# No STARTTLS offered (but plaintext AUTH=PLAIN is): 100, and not one
# credential in clear.
begin no-starttls no-starttls
fake_iw -S -v
expect_exit 100 5 'does not offer STARTTLS'
no_credentials
end_fake

# Injection: after "a1 OK Begin TLS", in the same packet, capabilities
# with LOGINDISABLED and no AUTH=PLAIN, and a forged "a2 OK", which a
# client that kept them would take as the reply to its CAPABILITY (a2).
begin inject-caps starttls-inject-caps
fake_iw -S -v
expect_exit 0 5 'new mail (3 -> 4)'
check 'inject-caps: idled (readiness signalled)' test -s "$IW_READY"
tls=$(rec_line '^# 1 tls ')
st=$(rec_line '^a1 STARTTLS$')
cap=$(rec_line '^a2 CAPABILITY$')
auth=$(rec_line '^a3 AUTHENTICATE PLAIN')
if [ -n "$st" ] && [ -n "$tls" ] && [ -n "$cap" ] && [ "$st" -lt "$tls" ] && [ "$tls" -lt "$cap" ]; then
	ok 'inject-caps: STARTTLS was a1, CAPABILITY a2 after TLS (the forged tag)'
else
	not_ok 'inject-caps: STARTTLS was a1, CAPABILITY a2 after TLS (the forged tag)'
	show "$FAKE_REC"
fi
if [ -n "$auth" ] && [ "$auth" -gt "${cap:-0}" ]; then
	ok 'inject-caps: logged in with AUTH=PLAIN from the capabilities after TLS'
else
	not_ok 'inject-caps: logged in with AUTH=PLAIN from the capabilities after TLS'
	show "$FAKE_REC"
fi
check_nolog 'inject-caps: the injected capabilities never reached the parser' "$IW_LOG" 'IDLE LOGINDISABLED'
check_nolog 'inject-caps: the forged tagged reply never reached the parser' "$IW_LOG" 'injected'
check_nolog 'inject-caps: no protocol error' "$IW_LOG" 'protocol error'
end_fake

# Injection: a CAPABILITY, a BYE and a forged tagged OK for the STARTTLS
# tag itself.
begin inject-bye starttls-inject
fake_iw -S -v
expect_exit 0 5 'new mail (3 -> 4)'
check_nolog 'inject-bye: the injected lines never reached the parser' "$IW_LOG" 'injected'
check_nolog 'inject-bye: no "server closed the connection"' "$IW_LOG" 'server closed the connection'
if [ -n "$(rec_line '^a[0-9]+ CAPABILITY$')" ] && [ -n "$(rec_line '^a[0-9]+ AUTHENTICATE PLAIN')" ]; then
	ok 'inject-bye: CAPABILITY asked after TLS, then AUTHENTICATE PLAIN'
else
	not_ok 'inject-bye: CAPABILITY asked after TLS, then AUTHENTICATE PLAIN'
	show "$FAKE_REC"
fi
end_fake

done_testing
