#!/bin/sh
# SPDX-License-Identifier: ISC
# -F pins the server certificate by its SHA-256 fingerprint: with -C it is
# required in addition to the chain and the host name; without -C the pin
# alone decides (a self-signed server, or a name that does not match). A
# wrong pin is 100 and no credential is sent. -C also takes a directory:
# every certificate file in it is read (no c_rehash links needed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# bare_run NAME [options]: like iw_run with -t 1 (a later -t wins), but
# adds no -C
bare_run() {
	_name=$1
	shift
	IW_LOG=$TESTDIR/$_name.log
	IW_READY=$TESTDIR/$_name.ready
	rm -f "$IW_LOG" "$IW_READY" "$TESTDIR/$_name.out"
	_has_opt -p "$@" || set -- "$@" -p "$PORT"
	_has_opt -P "$@" || set -- "$@" -P "$DOVECOT/alice.pass"
	set -f
	# shellcheck disable=SC2086
	${IW_PREFIX:-} $IMAPWAIT -u alice -w "$(scaled 10)" -k 0 -t 1 "$@" -r 3 "$HOST" \
		3>"$IW_READY" >"$TESTDIR/$_name.out" 2>"$IW_LOG" </dev/null &
	IW_PID=$!
	set +f
	IW_PIDS="$IW_PIDS $IW_PID"
	IW_RUNS=$((${IW_RUNS:-0} + 1))
	wait_pid_exit "$IW_PID" "$(scaled 60)"
	IW_STATUS=$?
}

# idled WHAT: the last run reached IDLE and timed out at -t 1 (exit 2)
idled() {
	if [ "$IW_STATUS" -eq 2 ] && [ -s "$IW_READY" ]; then
		ok "$1: idles (exit 2 at -t 1)"
	else
		not_ok "$1: idles (exit 2 at -t 1)" "exit status $IW_STATUS$(status_name "$IW_STATUS")"
		show "$IW_LOG"
	fi
}

# rejected WHAT: exit 100, "certificate verification failed", and Dovecot
# saw no LOGIN or AUTHENTICATE since log_mark
rejected() {
	check_exit "$1: exit 100" 100 "$IW_STATUS"
	check_log "$1: logs \"certificate verification failed\"" "$IW_LOG" 'certificate verification failed'
	wait_log 'imap-login: ' 5
	if credentials_seen; then
		not_ok "$1: the server received no credentials"
		log_since | show /dev/stdin
	else
		ok "$1: the server received no credentials"
	fi
}

# fingerprint PEM: SHA-256 as openssl prints it (AB:CD:...)
fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
}

fp=$(fingerprint "$DOVECOT/server.pem")
fp_plain=$(echo "$fp" | tr -d : | tr 'A-F' 'a-f')
cafp=$(fingerprint "$CA")
# the right one with its last byte changed
fp_wrong=$(echo "$fp_plain" | sed 's/..$//')$(echo "$fp_plain" | sed 's/.*\(..\)$/\1/' | tr '0-9a-f' '1-9a-f0')
diag "server certificate: $fp"

# --- pins against Dovecot ----------------------------------------------------

bare_run pin-ca -C "$CA" -F "$fp"
idled '-F right (openssl form, colons), with -C'

bare_run pin-plain -C "$CA" -F "$fp_plain"
idled '-F right (lower case, no colons), with -C'

HOST=127.0.0.1
bare_run pin-noca -F "$fp"
idled '-F right, no -C, 127.0.0.1 (not the name in the certificate): the pin decides'
HOST=localhost

log_mark
bare_run nopin-noca
rejected 'no -F, no -C: the system CAs do not know the test CA'

log_mark
bare_run wrong-ca -C "$CA" -F "$fp_wrong"
rejected '-F wrong (one byte), with -C'

log_mark
bare_run wrong-noca -F "$fp_wrong"
rejected '-F wrong, no -C'

log_mark
bare_run ca-pin -F "$cafp"
rejected "-F of the CA's certificate instead of the server's"

# with -C the pin is in addition to the chain and the name, not instead
log_mark
bare_run pin-otherca -C "$OTHERCA" -F "$fp"
rejected '-F right, but -C a CA that did not sign it'

log_mark
HOST=127.0.0.1
bare_run pin-ca-mismatch -C "$CA" -F "$fp"
HOST=localhost
rejected '-F right and -C, but the name does not match (127.0.0.1)'

bare_run pin-short -F "$(echo "$fp_plain" | sed 's/.$//')"
check_exit '-F with 63 hex digits: usage, exit 100' 100 "$IW_STATUS"
check_log '-F with 63 hex digits: the usage line' "$IW_LOG" 'usage: imapwait'

# --- -C a directory -------------------------------------------------------------

mkdir -p "$TESTDIR/cadir" "$TESTDIR/otherdir" "$TESTDIR/emptydir"
cp "$CA" "$TESTDIR/cadir/test-ca.pem"
echo 'not a certificate' >"$TESTDIR/cadir/README"
cp "$OTHERCA" "$TESTDIR/cadir/other.pem"
cp "$OTHERCA" "$TESTDIR/otherdir/other.pem"

bare_run cadir -C "$TESTDIR/cadir"
idled '-C a directory with the CA (no hash links, a README and another CA beside it)'

log_mark
bare_run otherdir -C "$TESTDIR/otherdir"
check_exit '-C a directory without the CA: exit 100' 100 "$IW_STATUS"
check_log '-C a directory without the CA: "certificate verification failed"' "$IW_LOG" \
	'certificate verification failed'
wait_log 'imap-login: ' 5
if credentials_seen; then
	not_ok '-C a directory without the CA: the server received no credentials'
	log_since | show /dev/stdin
else
	ok '-C a directory without the CA: the server received no credentials'
fi

bare_run emptydir -C "$TESTDIR/emptydir"
check_exit '-C an empty directory: exit 100' 100 "$IW_STATUS"

bare_run cadir-pin -C "$TESTDIR/cadir" -F "$fp"
idled '-C a directory and -F right'

# --- a self-signed server (the fake one) ------------------------------------------

openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 30 \
	-subj '/CN=mail.self-signed.test' -keyout "$TESTDIR/self.key" \
	-out "$TESTDIR/self.pem" -addext 'subjectAltName=DNS:mail.self-signed.test' \
	2>"$TESTDIR/self.err" || show "$TESTDIR/self.err"
selffp=$(fingerprint "$TESTDIR/self.pem")

FAULT_NAME=self-signed-pin
FAKE_REC=$TESTDIR/self-signed-pin.rec
fake new-mail --cert "$TESTDIR/self.pem" --key "$TESTDIR/self.key"
bare_run self-signed-pin -p "$FAKE_PORT" -P "$FAULT_PASS" -F "$selffp" -t 20
check_exit 'self-signed server, -F its fingerprint, no -C: new mail, exit 0' 0 "$IW_STATUS"
check_log 'self-signed server: logs "new mail (3 -> 4)"' "$IW_LOG" 'new mail (3 -> 4)'
_i=50
while [ $_i -gt 0 ] && alive "$FAKE_PID"; do
	sleep 0.1
	_i=$((_i - 1))
done

FAULT_NAME=self-signed-nopin
FAKE_REC=$TESTDIR/self-signed-nopin.rec
fake new-mail --cert "$TESTDIR/self.pem" --key "$TESTDIR/self.key"
bare_run self-signed-nopin -p "$FAKE_PORT" -P "$FAULT_PASS"
check_exit 'self-signed server without -F: exit 100' 100 "$IW_STATUS"
check_log 'self-signed server without -F: "certificate verification failed"' "$IW_LOG" \
	'certificate verification failed'
no_credentials

done_testing
