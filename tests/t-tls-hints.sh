#!/bin/sh
# SPDX-License-Identifier: ISC
# Mixups that the error names the fix for. Implicit TLS against a
# cleartext IMAP port: 100, "speaks plain IMAP: use -S". -S against an
# implicit-TLS port: the greeting never comes; at the -w deadline a
# ClientHello shows the port speaks TLS: 100, "drop -S". host:port as the
# host: a usage error (100) that says "use -p", before any connection.
# None of them sends a credential.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# run NAME SCENARIO [fakeimap options]: a fresh fake server and record
run() {
	FAULT_NAME=$1
	FAKE_REC=$TESTDIR/$1.rec
	rm -f "$FAKE_REC"
	_sc=$2
	shift 2
	fake "$_sc" "$@"
}

run plain-on-tls normal --mode plain
fake_iw
expect_exit 100 5 "TLS handshake failed: port $FAKE_PORT speaks plain IMAP: use -S for STARTTLS there, or the TLS port (993)"
no_credentials

run starttls-on-tls normal
fake_iw -S -w 1
expect_exit 100 8 "no greeting with -S: port $FAKE_PORT speaks TLS from the start (implicit TLS): drop -S there, or use the STARTTLS port (143)"
no_credentials

for h in localhost:993 '[::1]:993' '[::1]'; do
	$IMAPWAIT -u alice -P "$FAULT_PASS" -w 2 "$h" >"$TESTDIR/hostport.out" 2>"$TESTDIR/hostport.log"
	check_exit "host $h: exit 100" 100 $?
	check_log "host $h: says to use -p" "$TESTDIR/hostport.log" "$h: a host, not host:port: use -p for the port"
done

# an IPv6 literal is a host, not host:port: refused at the connection
# (nothing listens on port 9), not as usage
$IMAPWAIT -u alice -P "$FAULT_PASS" -w 2 -p 9 ::1 >"$TESTDIR/ipv6.out" 2>"$TESTDIR/ipv6.log"
check_exit '::1 -p 9: exit 111 (connection refused)' 111 $?
check_nolog '::1 is not taken for host:port' "$TESTDIR/ipv6.log" 'host:port'
done_testing
