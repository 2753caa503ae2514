#!/bin/sh
# SPDX-License-Identifier: ISC
# imapwait-loop's logic, with a stand-in for imapwait that exits with
# chosen codes: 111 backs off (1 s doubling, each pause +-50% at random,
# reset by a good run); 100 stops the loop with 100; a failing hook is
# logged and the loop goes on; the state file is named after the account;
# SIGTERM and SIGINT end the loop and its child at once, whatever runs;
# imapwait-service turns an account file into the loop's arguments.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/loop.sh"

stub=$TESTDIR/imapwait-stub
cat >"$stub" <<'STUB'
#!/bin/sh
# a stand-in for imapwait: exits with the next code in $STUB/codes,
# or sleeps like an idle imapwait once they run out ("idle"); -n prints
# the login (-u, else bob) as imapwait -n does
if [ "$1" = -n ]; then
	u=bob
	while [ $# -gt 1 ]; do [ "$1" = -u ] && u=$2; shift; done
	echo "$u"
	exit 0
fi
n=$(($(cat "$STUB/n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$STUB/n"
{ printf '[%s]' "$@"; echo; } >>"$STUB/args"
code=$(sed -n "${n}p" "$STUB/codes")
echo "imapwait: stub run $n: ${code:-idle}" >&2
case $code in
'' | idle) exec sleep 60 ;;
esac
exit "$code"
STUB
chmod +x "$stub"

# stub_loop NAME "CODES" HOOK [loop arguments before --]: the loop with the
# stand-in, as bob@localhost unless told otherwise
stub_loop() {
	_d=$TESTDIR/$1
	rm -rf "$_d"
	mkdir -p "$_d"
	# shellcheck disable=SC2086
	printf '%s\n' $2 >"$_d/codes"
	_hook=$3
	shift 3
	[ $# -gt 0 ] || set -- -u bob localhost
	LOOP_LOG=$_d/log
	STUB=$_d
	# shellcheck disable=SC2086
	STUB=$_d IMAPWAIT=$stub XDG_STATE_HOME=$_d/xdg \
		${LOOP_PREFIX:-} sh "$LOOP" "$@" -- sh -c "$_hook" \
		>"$_d/out" 2>"$LOOP_LOG" </dev/null &
	LOOP_PID=$!
	IW_PIDS="$IW_PIDS $LOOP_PID"
}

# pauses: the pauses the loop announced, in seconds, one a line
pauses() {
	sed -n 's/.*retrying in \([0-9.]*\) s$/\1/p' "$LOOP_LOG"
}

# between X LOW HIGH: LOW <= X < HIGH
between() {
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x < hi) }'
}

# --- backoff -------------------------------------------------------------

stub_loop backoff '111 111 111 0 111 100' "$(recorder "$TESTDIR/backoff.runs")"
wait_pid_exit "$LOOP_PID" 30
check_exit 'exit 100 after the stand-in exits 100' 100 $?
# shellcheck disable=SC2046
set -- $(pauses)
if [ $# -eq 4 ]; then
	ok 'four pauses for four temporary failures'
	check "first pause about 1 s (0.5 to 1.5): $1" between "$1" 0.5 1.5
	check "second about 2 s (1 to 3): $2" between "$2" 1 3
	check "third about 4 s (2 to 6): $3" between "$3" 2 6
	check "after a good run, about 1 s again: $4" between "$4" 0.5 1.5
else
	not_ok 'four pauses for four temporary failures' "got: $*"
	show "$LOOP_LOG"
fi
check 'the hook ran once, for the one new-mail exit' \
	test "$(count "$TESTDIR/backoff.runs" start)" -eq 1
check_log 'says why it stops' "$LOOP_LOG" 'permanent failure (exit 100), stopping'
check_log 'names the account in its lines' "$LOOP_LOG" 'imapwait-loop: bob@localhost/INBOX: '

# two loops cut off by the same outage do not retry in step
stub_loop jitter '111 100' true
wait_pid_exit "$LOOP_PID" 10 >/dev/null
a=$(pauses)
stub_loop jitter '111 100' true
wait_pid_exit "$LOOP_PID" 10 >/dev/null
b=$(pauses)
check "the pause is drawn at random ($a s, then $b s)" test "$a" != "$b"

# --- permanent failure, hook failure -------------------------------------

stub_loop permanent '100' true
t0=$(now_ms)
wait_pid_exit "$LOOP_PID" 10
check_exit 'exit 100 at once when imapwait exits 100' 100 $?
check "without a pause ($(($(now_ms) - t0)) ms)" test $(($(now_ms) - t0)) -lt 2000
check 'only one imapwait run' test "$(cat "$STUB/n")" -eq 1

# the hook fails twice, then works: it is rerun at the next wake, even a
# timeout (2), and not again after it worked
hook="n=\$(cat $TESTDIR/hook.n 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n >$TESTDIR/hook.n; [ \$n -ge 3 ] || exit 3"
rm -f "$TESTDIR/hook.n"
stub_loop hookfail '0 0 2 2 100' "$hook"
wait_pid_exit "$LOOP_PID" 10
check_exit 'a failing hook does not end the loop: it goes on to the 100' 100 $?
check 'hook failures are logged with their status' \
	test "$(count "$LOOP_LOG" 'hook failed (exit 3)')" -eq 2
check 'the failed hook is rerun at the next timeout, then not again' \
	test "$(cat "$TESTDIR/hook.n")" -eq 3

stub_loop killedhook '0 100' 'kill -KILL $$'
wait_pid_exit "$LOOP_PID" 10 >/dev/null
check_log 'a hook killed by a signal is logged as such' "$LOOP_LOG" 'hook failed (killed by signal 9)'

# --- usage ---------------------------------------------------------------

IMAPWAIT=$TESTDIR/no-such-imapwait sh "$LOOP" localhost -- true 2>"$TESTDIR/missing.log"
check_exit 'imapwait not found: exit 100' 100 $?
check_log 'and says so' "$TESTDIR/missing.log" 'cannot run'

for args in 'localhost' 'localhost --' '-r 3 localhost -- true' '-x localhost -- true' \
    '-u bob -- true' 'a b -- true'; do
	# shellcheck disable=SC2086
	IMAPWAIT=$stub sh "$LOOP" $args 2>"$TESTDIR/usage.log"
	st=$?
	if [ "$st" -eq 100 ] && grep -q 'usage: imapwait-loop' "$TESTDIR/usage.log"; then
		ok "usage error for \"$args\": exit 100 and the usage line"
	else
		not_ok "usage error for \"$args\": exit 100 and the usage line" "exit $st"
		show "$TESTDIR/usage.log"
	fi
done

# --- state file ------------------------------------------------------------

stub_loop state '100' true -u bob -p 1993 -m 'Lists/a b' -w 5 localhost
wait_pid_exit "$LOOP_PID" 10 >/dev/null
expect="[-u][bob][-p][1993][-m][Lists/a b][-w][5][-R][-s][$STUB/xdg/imapwait/bob@localhost:1993/Lists%2Fa b][localhost]"
if [ "$(cat "$STUB/args")" = "$expect" ]; then
	ok 'options passed on, state file under $XDG_STATE_HOME named after user@host:port/mailbox'
else
	not_ok 'options passed on, state file under $XDG_STATE_HOME' "expected $expect" "got      $(cat "$STUB/args")"
fi
check 'its directory is private (0700)' \
	test "$(stat -c %a "$STUB/xdg/imapwait/bob@localhost:1993")" = 700

printf 'not a directory\n' >"$TESTDIR/file"
XDG_STATE_HOME=$TESTDIR/file IMAPWAIT=$stub sh "$LOOP" localhost -- true 2>"$TESTDIR/nostate.log"
check_exit 'a state directory that cannot be made: exit 100' 100 $?
check_log 'and says so' "$TESTDIR/nostate.log" 'cannot make the directory of the state file'

stub_loop state2 '100' true -s "$TESTDIR/given/state" -q localhost
wait_pid_exit "$LOOP_PID" 10 >/dev/null
check '-s is used as given (and -q passed on; -R on the first run)' \
	test "$(cat "$STUB/args")" = "[-q][-R][-s][$TESTDIR/given/state][localhost]"

# --- signals ---------------------------------------------------------------

# gone PID...: every PID gone within 1 s
gone() {
	_i=10
	while [ $_i -gt 0 ]; do
		_left=
		for _p; do alive "$_p" && _left=1; done
		[ -z "$_left" ] && return 0
		sleep 0.1
		_i=$((_i - 1))
	done
	return 1
}

# signal_test WHAT SIGNAL STATUS: LOOP_PID gets SIGNAL; it and its child
# are gone within a second, the loop dead by that signal
signal_test() {
	kids=$(children "$LOOP_PID")
	[ -n "$kids" ] || not_ok "$1: the loop has a child" "none"
	kill -"$2" "$LOOP_PID"
	# shellcheck disable=SC2086
	check "$1: the loop and its child $kids are gone within 1 s" gone "$LOOP_PID" $kids
	wait_pid_exit "$LOOP_PID" 5
	check_exit "$1: the loop dies by SIG$2" "$3" $?
	check_log "$1: and logs it" "$LOOP_LOG" "stopped by SIG$2"
}

stub_loop term idle true
if wait_text "$LOOP_LOG" 'stub run 1: idle' 5; then
	signal_test 'SIGTERM while imapwait idles' TERM 143
else
	not_ok 'the stand-in started' && show "$LOOP_LOG"
fi

stub_loop termhook '0 idle' 'sleep 60'
if wait_text "$LOOP_LOG" 'running the hook' 5; then
	sleep 0.2
	signal_test 'SIGTERM while the hook runs' TERM 143
else
	not_ok 'the hook started' && show "$LOOP_LOG"
fi

stub_loop termpause '111 111 111 111 111' true
if wait_count "$LOOP_LOG" 'retrying in' 3 10; then
	signal_test 'SIGTERM in a pause of 2 s or more' TERM 143
else
	not_ok 'three pauses' && show "$LOOP_LOG"
fi

# A shell starts background jobs with SIGINT ignored, and a shell cannot
# trap a signal ignored at its start: put back the default, as a terminal
# or a supervisor would have it.
cat >"$TESTDIR/sigint-default.py" <<'PY'
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
PY
LOOP_PREFIX="python3 $TESTDIR/sigint-default.py"
stub_loop int idle true
LOOP_PREFIX=
if wait_text "$LOOP_LOG" 'stub run 1: idle' 5; then
	signal_test 'SIGINT while imapwait idles' INT 130
else
	not_ok 'the stand-in started' && show "$LOOP_LOG"
fi

# --- imapwait-service: the account file ------------------------------------

STUB=$TESTDIR/service
mkdir -p "$STUB"
printf '0\n100\n' >"$STUB/codes"
cat >"$STUB/account.conf" <<CONF
HOST=mail.example.org
USER=carol
MAILBOX='Sent Items'
PASSFILE=/etc/imapwait/carol.pass
HOOK='echo "hook ran as \$USER with \$# arguments"'
OPTS='-p 1993 -C "/etc/my ca.pem"'
STATE=$STUB/state
CONF
(cd "$STUB" && STUB=$STUB IMAPWAIT=$stub USER=tester \
	sh "$TOP/scripts/imapwait-service" account.conf >"$STUB/out" 2>"$STUB/log" </dev/null)
check_exit 'imapwait-service: the loop ends with 100' 100 $?
expect="[-u][carol][-m][Sent Items][-P][/etc/imapwait/carol.pass][-p][1993][-C][/etc/my ca.pem][-R][-s][$STUB/state][mail.example.org]"
if [ "$(head -n 1 "$STUB/args")" = "$expect" ]; then
	ok 'imapwait-service: the account file becomes the options, quotes kept'
else
	not_ok 'imapwait-service: the account file becomes the options' "expected $expect" "got      $(head -n 1 "$STUB/args")"
fi
check_log 'imapwait-service: HOOK runs with sh -c; USER (the login) stays out of its environment' \
	"$STUB/out" 'hook ran as tester with 0 arguments'

printf 'HOOK=true\n' >"$STUB/nohost.conf"
sh "$TOP/scripts/imapwait-service" "$STUB/nohost.conf" 2>"$STUB/nohost.log"
check_exit 'imapwait-service: an account file without HOST: exit 100' 100 $?
check_log 'and says so' "$STUB/nohost.log" 'no HOST'

done_testing
