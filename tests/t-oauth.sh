#!/bin/sh
# SPDX-License-Identifier: ISC
# -a xoauth2 and -a oauthbearer against a fake server that offers both:
# the initial response is exactly what the mechanism defines (XOAUTH2;
# RFC 7628 for OAUTHBEARER), with and without SASL-IR; the token is the
# output of -c, the command runs once per start, and the
# token never shows in the -v trace. A rejected token gets the error
# challenge answered with the dummy response, so that the server ends
# the exchange: NO [AUTHENTICATIONFAILED] is 100, NO [UNAVAILABLE] 111.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

TOKEN=ya29.a0AfB_byC-Test.Token_0123456789-abcdefXYZ
printf '%s\n' "$TOKEN" >"$TESTDIR/token"
chmod 600 "$TESTDIR/token"
RUNS=$TESTDIR/token.runs

# begin NAME SCENARIO: a fresh fake server and record for one run
begin() {
	FAULT_NAME=$1
	FAKE_REC=$TESTDIR/$1.rec
	rm -f "$FAKE_REC" "$RUNS"
	diag "$1: scenario $2"
	fake "$2"
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

# oauth_iw [options]: imapwait against the fake server, as fake_iw
# starts it but with no -P (fake_iw adds one, which -c excludes)
oauth_iw() {
	IW_RUSAGE=
	IW_TIMEPID=
	IW_KB=0
	IW_CPU=0
	IW_T0=$(now_ms)
	iw_start "$FAULT_NAME" -p "$FAKE_PORT" -C "$CERTS/ca.pem" -w "$(scaled 3)" "$@"
}

# run_oauth MECH [options]: imapwait with -a MECH, the token from -c (a
# command that also counts its runs)
run_oauth() {
	_m=$1
	shift
	oauth_iw -v -a "$_m" -c "echo run >>'$RUNS'; cat '$TESTDIR/token'" "$@"
}

# initial_response MECH: the base64 initial response in the record (in
# the AUTHENTICATE line with SASL-IR, else the client's next line)
initial_response() {
	awk -v m="$1" '
		/^# / { next }
		want { print; exit }
		$2 == "AUTHENTICATE" && toupper($3) == m {
			if (NF >= 4) { print $4; exit }
			want = 1
		}' "$FAKE_REC"
}

# check_ir NAME MECH FORMAT ARGS...: the decoded initial response is
# exactly printf FORMAT ARGS
check_ir() {
	_name=$1
	_mech=$2
	shift 2
	# shellcheck disable=SC2059 # the format is the expected bytes
	printf "$@" >"$TESTDIR/$_name.want"
	_ir=$(initial_response "$_mech")
	if [ -z "$_ir" ]; then
		not_ok "$_name: the server got an AUTHENTICATE $_mech initial response"
		show "$FAKE_REC"
		return
	fi
	printf '%s\n' "$_ir" | base64 -d >"$TESTDIR/$_name.got" 2>/dev/null
	if cmp -s "$TESTDIR/$_name.want" "$TESTDIR/$_name.got"; then
		ok "$_name: the $_mech initial response is exactly the expected bytes"
	else
		not_ok "$_name: the $_mech initial response is exactly the expected bytes" \
			"want: $(od -An -c "$TESTDIR/$_name.want" | tr '\n' ' ')" \
			"got:  $(od -An -c "$TESTDIR/$_name.got" | tr '\n' ' ')"
	fi
	# the trace shows neither the token nor its base64
	check_nolog "$_name: the token is not in the -v trace" "$IW_LOG" "$TOKEN"
	check_nolog "$_name: the encoded initial response is not in the -v trace" "$IW_LOG" "$_ir"
	check_log "$_name: the trace shows the initial response redacted" "$IW_LOG" \
		'<redacted>'
}

# ran_once NAME: the -c command ran exactly once for this start
ran_once() {
	_c=$(wc -l <"$RUNS" 2>/dev/null || echo 0)
	if [ "$_c" -eq 1 ]; then
		ok "$1: the -c command ran once"
	else
		not_ok "$1: the -c command ran once" "it ran $_c times"
	fi
}

xo_fmt='user=%s\001auth=Bearer %s\001\001'
ob_fmt='n,a=%s,\001host=%s\001port=%s\001auth=Bearer %s\001\001'

# --- the right token: logged in, idling, new mail -------------------------

begin xoauth2 oauth
run_oauth xoauth2
expect_exit 0 5 'new mail (3 -> 4)'
check 'xoauth2: idled (readiness signalled)' test -s "$IW_READY"
check_ir xoauth2 XOAUTH2 "$xo_fmt" alice "$TOKEN"
ran_once xoauth2
end_fake

begin oauthbearer oauth
run_oauth oauthbearer
expect_exit 0 5 'new mail (3 -> 4)'
check 'oauthbearer: idled (readiness signalled)' test -s "$IW_READY"
check_ir oauthbearer OAUTHBEARER "$ob_fmt" alice localhost "$FAKE_PORT" "$TOKEN"
ran_once oauthbearer
end_fake

# without SASL-IR the same bytes follow the server's "+"
begin xoauth2-no-ir oauth-no-sasl-ir
run_oauth xoauth2
expect_exit 0 5 'new mail (3 -> 4)'
if grep -qx 'a[0-9]* AUTHENTICATE XOAUTH2' "$FAKE_REC"; then
	ok 'xoauth2-no-ir: no initial response in the command without SASL-IR'
else
	not_ok 'xoauth2-no-ir: no initial response in the command without SASL-IR'
	show "$FAKE_REC"
fi
check_ir xoauth2-no-ir XOAUTH2 "$xo_fmt" alice "$TOKEN"
end_fake

begin oauthbearer-no-ir oauth-no-sasl-ir
run_oauth oauthbearer
expect_exit 0 5 'new mail (3 -> 4)'
check_ir oauthbearer-no-ir OAUTHBEARER "$ob_fmt" alice localhost "$FAKE_PORT" "$TOKEN"
end_fake

# the authzid in the GS2 header is a saslname (RFC 7628 3.1, RFC 5801 4):
# "=" is sent as "=3D" and "," as "=2C"
begin oauthbearer-gs2 oauth
run_oauth oauthbearer -u 'al=ice,x'
expect_exit 0 5 'new mail (3 -> 4)'
check_ir oauthbearer-gs2 OAUTHBEARER "$ob_fmt" 'al=3Dice=2Cx' localhost "$FAKE_PORT" "$TOKEN"
end_fake

# --- a rejected token: the error challenge, the dummy reply, NO -------------

# reply_was NAME TEXT: the fake server recorded the client's reply to
# its error challenge as "sasl reply [TEXT]"
reply_was() {
	if grep -qF "sasl reply [$2]" "$FAKE_REC"; then
		ok "$1: the error challenge is answered with \"$2\""
	else
		not_ok "$1: the error challenge is answered with \"$2\""
		show "$FAKE_REC"
	fi
}

begin xoauth2-invalid oauth-invalid
run_oauth xoauth2
expect_exit 100 5 'login failed:'
reply_was xoauth2-invalid ''
check_nolog 'xoauth2-invalid: the token is not in the -v trace' "$IW_LOG" "$TOKEN"
ran_once xoauth2-invalid
end_fake

begin oauthbearer-invalid oauth-invalid
run_oauth oauthbearer
expect_exit 100 5 'login failed:'
reply_was oauthbearer-invalid 'AQ=='
check_nolog 'oauthbearer-invalid: the token is not in the -v trace' "$IW_LOG" "$TOKEN"
end_fake

begin xoauth2-unavailable oauth-unavailable
run_oauth xoauth2
expect_exit 111 5 'login failed:'
reply_was xoauth2-unavailable ''
end_fake

begin oauthbearer-unavailable oauth-unavailable
run_oauth oauthbearer
expect_exit 111 5 'login failed:'
reply_was oauthbearer-unavailable 'AQ=='
end_fake

# --- without -v the token is not logged either ------------------------------

begin quiet-invalid oauth-invalid
oauth_iw -a xoauth2 -c "cat '$TESTDIR/token'"
expect_exit 100 5 'login failed:'
check_nolog 'without -v: the token is not in the log' "$IW_LOG" "$TOKEN"
end_fake

done_testing
