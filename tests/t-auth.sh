#!/bin/sh
# SPDX-License-Identifier: ISC
# Authentication against Dovecot (AUTH=PLAIN AUTH=LOGIN SASL-IR): the
# default is AUTHENTICATE PLAIN, -a plain and -a login force theirs, a
# mechanism the server does not offer is 100 before any credential.
# Passwords with a quote, a backslash, a space and 8-bit bytes work with
# both. Password sources: -P (a warning when others may read it), -c (its
# first line; a failing command is 111), and the netrc file ($NETRC or
# ~/.netrc: machine, login, password, default; # comment lines; default
# only when no machine entry matches), whose login is the user when -u is
# not given; no message quotes a netrc word, and an entry with another
# login than -u is named. -n prints the login a run would use.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

ALICEPASS=$(cat "$DOVECOT/alice.pass")

# idles NAME [options]: a run with -t 1 reaches IDLE and times out (2)
idles() {
	_what=$1
	iw_run "$@" -t 1
	if [ "$IW_STATUS" -eq 2 ] && [ -s "$IW_READY" ]; then
		ok "$_what: logged in and idled (exit 2 at -t 1)"
	else
		not_ok "$_what: logged in and idled (exit 2 at -t 1)" \
			"exit status $IW_STATUS$(status_name "$IW_STATUS"), readiness: $(wc -c <"$IW_READY") bytes"
		show "$IW_LOG"
	fi
}

# logged_in USER: Dovecot logged a successful login of USER since log_mark
logged_in() {
	if wait_log "Login: user=<$1>" 5; then
		ok "Dovecot logged \"Login: user=<$1>\""
	else
		not_ok "Dovecot logged \"Login: user=<$1>\""
		log_since | show /dev/stdin
	fi
}

# no_credentials_seen WHAT: Dovecot got no LOGIN or AUTHENTICATE
no_credentials_seen() {
	wait_log 'imap-login: ' 5
	if credentials_seen; then
		not_ok "$1: the server received no credentials"
		log_since | show /dev/stdin
	else
		ok "$1: the server received no credentials"
	fi
}

# --- mechanisms ---------------------------------------------------------------

log_mark
idles default -v
check_log 'default: AUTHENTICATE PLAIN, since the server offers it' "$IW_LOG" ': C: a1 AUTHENTICATE PLAIN <redacted>'
check_nolog 'default: no LOGIN command' "$IW_LOG" ' LOGIN alice'
check_nolog 'default: the password is not in the trace' "$IW_LOG" "$ALICEPASS"
logged_in alice

log_mark
idles plain -v -a plain
check_log '-a plain: AUTHENTICATE PLAIN' "$IW_LOG" ': C: a1 AUTHENTICATE PLAIN <redacted>'
logged_in alice

log_mark
idles login -v -a login
check_log '-a login: the LOGIN command, password redacted' "$IW_LOG" ': C: a1 LOGIN alice <redacted>'
check_nolog '-a login: no AUTHENTICATE' "$IW_LOG" 'AUTHENTICATE'
check_nolog '-a login: the password is not in the trace' "$IW_LOG" "$ALICEPASS"
logged_in alice

for m in xoauth2 oauthbearer; do
	log_mark
	iw_run "$m-not-offered" -v -a "$m"
	check_exit "-a $m, which Dovecot does not offer: exit 100" 100 "$IW_STATUS"
	check_log "-a $m: logs \"does not offer\"" "$IW_LOG" 'does not offer'
	no_credentials_seen "-a $m"
done

# --- a hard password: quote, backslash, space, UTF-8 --------------------------

BOBPASS=$(cat "$DOVECOT/bob.pass")
for m in login plain; do
	log_mark
	idles "bob-$m" -v -u bob -P "$DOVECOT/bob.pass" -a "$m"
	logged_in bob
	check_nolog "bob, -a $m: the password is not in the trace" "$IW_LOG" "$BOBPASS"
	check_nolog "bob, -a $m: nor its 8-bit part" "$IW_LOG" 'ss w'
done

# --- -P: a file others may read -----------------------------------------------

cp "$DOVECOT/alice.pass" "$TESTDIR/open.pass"
chmod 644 "$TESTDIR/open.pass"
idles open-pass -P "$TESTDIR/open.pass"
check_log '-P file with mode 0644: a warning naming it' "$IW_LOG" "warning: $TESTDIR/open.pass"
check 'the warning is one line, with the "imapwait: " prefix' \
	grep -q "^imapwait: .*warning: $TESTDIR/open.pass" "$IW_LOG"

cp "$DOVECOT/alice.pass" "$TESTDIR/closed.pass"
chmod 600 "$TESTDIR/closed.pass"
idles closed-pass -P "$TESTDIR/closed.pass"
check_nolog '-P file with mode 0600: no warning' "$IW_LOG" 'warning'

# --- -c: the password from a command --------------------------------------------

log_mark
idles cmd -v -c "cat '$DOVECOT/alice.pass'"
logged_in alice
check_nolog '-c: the password is not in the trace' "$IW_LOG" "$ALICEPASS"

idles cmd-no-newline -c "printf %s '$ALICEPASS'"

# the first line only, however the command writes the rest
idles cmd-two-lines -c "cat '$DOVECOT/alice.pass'; echo second line"
idles cmd-two-writes -c "cat '$DOVECOT/alice.pass'; sleep 1; echo second line"

log_mark
iw_run cmd-fails -c 'echo not-used; exit 3'
check_exit '-c command that fails: exit 111' 111 "$IW_STATUS"
check_log '-c command that fails: says so' "$IW_LOG" 'command'

# --- netrc -----------------------------------------------------------------------

# nrc_run NAME NETRC HOMEDIR [options]: like iw_run, but with neither -u
# nor -P: the login and password come from NETRC (or HOMEDIR/.netrc if
# NETRC is empty); $USER is a name no server knows
nrc_run() {
	_name=$1
	_nrc=$2
	_home=$3
	shift 3
	IW_LOG=$TESTDIR/$_name.log
	IW_READY=$TESTDIR/$_name.ready
	rm -f "$IW_LOG" "$IW_READY" "$TESTDIR/$_name.out"
	set -f
	# shellcheck disable=SC2086
	env NETRC="$_nrc" HOME="$_home" USER=nobody-such ${IW_PREFIX:-} $IMAPWAIT \
		-C "$CA" -p "$PORT" -w "$(scaled 10)" -k 0 -t 1 "$@" -r 3 "$HOST" \
		3>"$IW_READY" >"$TESTDIR/$_name.out" 2>"$IW_LOG" </dev/null &
	IW_PID=$!
	set +f
	IW_PIDS="$IW_PIDS $IW_PID"
	IW_RUNS=$((${IW_RUNS:-0} + 1))
	wait_pid_exit "$IW_PID" "$(scaled 60)"
	IW_STATUS=$?
}

# nrc_idles NAME USER: the last nrc_run idled as USER
nrc_idles() {
	if [ "$IW_STATUS" -eq 2 ] && [ -s "$IW_READY" ]; then
		ok "$1: logged in and idled (exit 2 at -t 1)"
	else
		not_ok "$1: logged in and idled (exit 2 at -t 1)" \
			"exit status $IW_STATUS$(status_name "$IW_STATUS")"
		show "$IW_LOG"
	fi
	check_log "$1: the user is $2" "$IW_LOG" "imapwait: $2@$HOST/INBOX: idling"
}

mkdir -p "$TESTDIR/home"
nohome=$TESTDIR/nohome
(
	umask 077
	{
		printf 'machine other.example.org login mallory password nope\n'
		printf 'machine %s\n\tlogin alice\n\tpassword %s\n' "$HOST" "$ALICEPASS"
		printf 'default login mallory password nope\n'
	} >"$TESTDIR/netrc-machine"
)
log_mark
nrc_run netrc-machine "$TESTDIR/netrc-machine" "$nohome"
nrc_idles 'NETRC machine entry, no -u' alice
logged_in alice
check_nolog 'NETRC 0600: no warning' "$IW_LOG" 'warning'

# with -u, the entry whose login matches
(
	umask 077
	{
		printf 'machine %s login mallory password nope\n' "$HOST"
		printf 'machine %s login alice password %s\n' "$HOST" "$ALICEPASS"
	} >"$TESTDIR/netrc-two"
)
nrc_run netrc-u "$TESTDIR/netrc-two" "$nohome" -u alice
nrc_idles 'NETRC, -u alice: the entry with login alice' alice

# the default entry, when no machine matches
(
	umask 077
	{
		printf 'machine other.example.org login mallory password nope\n'
		printf 'default login alice password %s\n' "$ALICEPASS"
	} >"$TESTDIR/netrc-default"
)
nrc_run netrc-default "$TESTDIR/netrc-default" "$nohome"
nrc_idles 'NETRC default entry, no -u' alice

# ~/.netrc when NETRC is not set
cp "$TESTDIR/netrc-machine" "$TESTDIR/home/.netrc"
chmod 600 "$TESTDIR/home/.netrc"
nrc_run home-netrc '' "$TESTDIR/home"
nrc_idles 'HOME/.netrc, no -u' alice

# readable by others: a warning
cp "$TESTDIR/netrc-machine" "$TESTDIR/netrc-open"
chmod 644 "$TESTDIR/netrc-open"
nrc_run netrc-open "$TESTDIR/netrc-open" "$nohome"
nrc_idles 'NETRC with mode 0644' alice
check_log 'NETRC with mode 0644: a warning naming it' "$IW_LOG" "warning: $TESTDIR/netrc-open"

# no entry for the host and no default: 100, nothing sent
(
	umask 077
	{
		printf 'machine other.example.org login alice password nope\n'
	} >"$TESTDIR/netrc-none"
)
log_mark
nrc_run netrc-none "$TESTDIR/netrc-none" "$nohome"
check_exit 'NETRC without an entry for the host: exit 100' 100 "$IW_STATUS"
no_credentials_seen 'no netrc entry'

# a default entry before the host's entry: the host's entry wins, the
# default's password never goes to a host that has an entry
(
	umask 077
	{
		printf 'default login mallory password nope\n'
		printf 'machine %s login alice password %s\n' "$HOST" "$ALICEPASS"
	} >"$TESTDIR/netrc-default-first"
)
log_mark
nrc_run netrc-default-first "$TESTDIR/netrc-default-first" "$nohome"
nrc_idles 'NETRC default before the machine entry: the machine entry' alice
if log_since | grep -q 'user=<mallory>'; then
	not_ok 'NETRC default before the machine entry: mallory never tried'
	log_since | show /dev/stdin
else
	ok 'NETRC default before the machine entry: mallory never tried'
fi

# comment lines are skipped, also ones that look like entries or hold
# words that are no keyword
(
	umask 077
	{
		printf '# machine %s login mallory password nope\n' "$HOST"
		printf '  # a comment: strange words here\n'
		printf 'machine %s\n# login mallory\n\tlogin alice\n\tpassword %s\n' "$HOST" "$ALICEPASS"
	} >"$TESTDIR/netrc-comments"
)
nrc_run netrc-comments "$TESTDIR/netrc-comments" "$nohome"
nrc_idles 'NETRC with comment lines' alice
check_nolog 'NETRC with comment lines: no warning' "$IW_LOG" 'warning'

# an unquoted password with spaces: the words after the first are no
# keywords; the warning gives the line, never a word of the password
(
	umask 077
	{
		printf '\nmachine %s login alice\npassword correct horse battery staple\n' "$HOST"
	} >"$TESTDIR/netrc-spaces"
)
log_mark
nrc_run netrc-spaces "$TESTDIR/netrc-spaces" "$nohome"
check_exit 'NETRC password with spaces, unquoted: exit 100' 100 "$IW_STATUS"
check_log 'NETRC password with spaces: the line and a hint' "$IW_LOG" \
	"warning: $TESTDIR/netrc-spaces, line 3: unexpected word (a password with spaces must be quoted)"
for w in correct horse battery staple; do
	check_nolog "NETRC password with spaces: \"$w\" is in no message" "$IW_LOG" "$w"
done
no_credentials_seen 'unquoted password with spaces'

# -u bob, and the host's only entry is for alice: said so, 100
nrc_run netrc-otherlogin "$TESTDIR/netrc-machine" "$nohome" -u bob
check_exit 'NETRC entry with another login than -u: exit 100' 100 "$IW_STATUS"
check_log 'NETRC entry with another login than -u: named as such' "$IW_LOG" \
	"no password for bob@$HOST: $TESTDIR/netrc-machine has an entry for $HOST with another login only (alice)"

# -n: the login that a run would use, on stdout, nothing else done: no
# connection (port 9 has no server), no -c run, no -P read
printf 'machine %s login alice password %s\n' "$HOST" "$ALICEPASS" >"$TESTDIR/netrc-n"
chmod 600 "$TESTDIR/netrc-n"
n_is() { # n_is WHAT EXPECTED [env and options...]
	_what=$1
	_want=$2
	shift 2
	_got=$(env USER=carol NETRC="$TESTDIR/netrc-n" HOME="$nohome" "$@" 2>"$TESTDIR/n.err")
	_st=$?
	if [ "$_st" -eq 0 ] && [ "$_got" = "$_want" ] && [ ! -s "$TESTDIR/n.err" ]; then
		ok "-n, $_what: prints $_want, exit 0"
	else
		not_ok "-n, $_what: prints $_want, exit 0" "exit $_st, printed \"$_got\""
		show "$TESTDIR/n.err"
	fi
}
set -f
# shellcheck disable=SC2086
n_is 'the netrc login' alice $IMAPWAIT -n -p 9 "$HOST"
# shellcheck disable=SC2086
n_is '-u bob' bob $IMAPWAIT -n -u bob -p 9 "$HOST"
# shellcheck disable=SC2086
n_is 'no netrc entry: $USER' carol $IMAPWAIT -n -p 9 other.example.org
# shellcheck disable=SC2086
n_is '-c: not run' carol $IMAPWAIT -n -c "touch $TESTDIR/n-ran" -p 9 "$HOST"
# shellcheck disable=SC2086
n_is '-P: not read' carol $IMAPWAIT -n -P "$TESTDIR/no-such-file" -p 9 "$HOST"
set +f
check '-n: the password command did not run' test ! -e "$TESTDIR/n-ran"

# --- the fake server: the bytes sent ----------------------------------------------

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

# without SASL-IR the initial response follows the "+"; it is exactly
# NUL user NUL password
FAULT_NAME=plain-no-ir
FAKE_REC=$TESTDIR/plain-no-ir.rec
fake logindisabled-plain
fake_iw -a plain
expect_exit 0 5 'new mail (3 -> 4)'
ir=$(awk '/^# / { next } want { print; exit } $2 == "AUTHENTICATE" && $3 == "PLAIN" { want = (NF == 3) }' "$FAKE_REC")
printf '\000alice\000%s' "$(cat "$FAULT_PASS")" >"$TESTDIR/plain.want"
printf '%s\n' "$ir" | base64 -d >"$TESTDIR/plain.got" 2>/dev/null
if [ -n "$ir" ] && cmp -s "$TESTDIR/plain.want" "$TESTDIR/plain.got"; then
	ok '-a plain without SASL-IR: the response after "+" is NUL alice NUL password'
else
	not_ok '-a plain without SASL-IR: the response after "+" is NUL alice NUL password' \
		"got: $(od -An -c "$TESTDIR/plain.got" | tr '\n' ' ')"
	show "$FAKE_REC"
fi
end_fake

# bob's password with -a login and no LITERAL+: a synchronizing literal,
# its bytes sent only after the server's "+"
FAULT_NAME=login-literal
FAKE_REC=$TESTDIR/login-literal.rec
fake new-mail
fake_iw -v -a login -u bob -P "$DOVECOT/bob.pass"
expect_exit 0 5 'new mail (3 -> 4)'
# the record escapes bytes outside printable ASCII as \xNN, "\" as "\\"
if grep -qFx 'a1 LOGIN "bob" {12}\x0d\x0ap"a\\ss w\xc3\xb6rd' "$FAKE_REC"; then
	ok '-a login, 8-bit password, no LITERAL+: LOGIN "bob" {12} and the exact bytes'
else
	not_ok '-a login, 8-bit password, no LITERAL+: LOGIN "bob" {12} and the exact bytes'
	show "$FAKE_REC"
fi
check_log '-a login, literal: the server said "+" before the bytes' "$IW_LOG" 'S: + Ready for literal data'
check_nolog '-a login, literal: the password is not in the trace' "$IW_LOG" 'ss w'
end_fake

done_testing
