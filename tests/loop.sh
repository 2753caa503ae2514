# SPDX-License-Identifier: ISC
# shellcheck shell=sh
# loop.sh: helpers for the tests of scripts/ (imapwait-loop and the
# service definitions), sourced after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/loop.sh"
#
#	loop_start NAME HOOK [imapwait options]
#	        imapwait-loop in the background as alice on the private
#	        Dovecot, with HOOK (a shell command) as its hook; defaults as
#	        iw_start's, and -s $TESTDIR/NAME.state; sets LOOP_PID and
#	        LOOP_LOG (its stderr)
#	recorder FILE [SECONDS]
#	        a hook command that appends "start MS" to FILE, sleeps, then
#	        appends "end MS" (MS: milliseconds since the epoch)
#	count FILE TEXT               lines of FILE containing TEXT
#	wait_count FILE TEXT N SECS   until at least N such lines
#	children PID                  the PIDs of PID's children
#	imapwait_of PID               those but the tee that passes imapwait's
#	                              lines on: the loop's imapwait
#	own_dovecot                   a Dovecot of this file's own, on its own
#	                              ports, for a test that stops and restarts
#	                              the server: its directory in OWN_DIR
#	need COMMAND PACKAGE          COMMAND, installed with apt-get if missing
#	                              (as root)
#	fake_loop NAME "CODES" HOOK [loop arguments before --]
#	        the loop with a stand-in for imapwait (no server) that exits
#	        with the next of CODES at each run ("idle": sleeps instead),
#	        records its arguments, one run a line, in $FAKE/args and keeps
#	        a state file as imapwait would (0 leaves the wake pending, a
#	        start without -R takes it as handled); idle, it runs as
#	        $FAKE/sleep (a name of its own); as bob@localhost unless
#	        told otherwise; FAKE is $TESTDIR/NAME, LOOP_LOG its stderr,
#	        LOOP_PID; LOOP_PREFIX, words to put before it
#	marker NAME [DIR]   a copy of sleep(1) with a name of this test's
#	               own (DIR/NAME-sleep, DIR $TESTDIR by default), so that
#	               its processes can be found (left) and ended
#	               (kill_marked NAME [DIR]) without touching anyone else's
#	left NAME [DIR]   the PIDs of such processes still running (but the
#	               loop's, whose arguments name the hook)
#	service_dir KIND DIR          scripts/KIND (runit, s6, daemontools)
#	                              copied to DIR, with an account.conf for
#	                              alice on the private Dovecot: password in
#	                              $TESTDIR/alice.pass, state in
#	                              $TESTDIR/state, a hook that appends the
#	                              time to $RUNS ($TESTDIR/runs), then
#	                              while $TESTDIR/slow exists runs
#	                              "$TESTDIR/service-sleep 301" (marker)
#	slow_hook                 touch slow, deliver, and wait until that
#	                          hook runs
# The loop and every Dovecot started here are stopped when the file ends.

LOOP=$TOP/scripts/imapwait-loop
export IMAPWAIT
LOOP_PID=
LOOP_LOG=/dev/null
OWN_DIR=
_lib_dovecot=${DOVECOT:-}

loop_start() {
	_name=$1
	_hook=$2
	shift 2
	LOOP_LOG=$TESTDIR/$_name.log
	_has_opt -C "$@" || set -- "$@" -C "$CA"
	_has_opt -p "$@" || set -- "$@" -p "$PORT"
	_has_opt -u "$@" || set -- "$@" -u alice
	if ! _has_opt -P "$@" && ! _has_opt -c "$@"; then
		set -- "$@" -P "$DOVECOT/alice.pass"
	fi
	_has_opt -w "$@" || set -- "$@" -w "$(scaled 10)"
	_has_opt -k "$@" || set -- "$@" -k 0
	_has_opt -s "$@" || set -- "$@" -s "$TESTDIR/$_name.state"
	echo "$LOOP $* $HOST -- sh -c '$_hook'" >"$TESTDIR/$_name.cmd"
	# its temporary directory stays here, should the loop be killed
	TMPDIR=$TESTDIR sh "$LOOP" "$@" "$HOST" -- sh -c "$_hook" \
		>"$TESTDIR/$_name.out" 2>"$LOOP_LOG" </dev/null &
	LOOP_PID=$!
	# lib.sh's cleanup stops it (and so its child) at the end
	IW_PIDS="$IW_PIDS $LOOP_PID"
}

recorder() {
	echo "echo start \$(date +%s%3N) >>$1; sleep ${2:-0}; echo end \$(date +%s%3N) >>$1"
}

count() {
	_c=$(grep -cF -- "$2" "$1" 2>/dev/null)
	echo "${_c:-0}"
}

wait_count() {
	_i=$(($4 * 10))
	while [ "$_i" -gt 0 ]; do
		[ "$(count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
		_i=$((_i - 1))
	done
	return 1
}

children() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '
}

imapwait_of() {
	ps -o pid=,comm= --ppid "$1" 2>/dev/null | awk '$2 != "tee" { print $1 }'
}

own_dovecot() {
	OWN_DIR=$(mktemp -d /tmp/imapwait-loop.XXXXXX) || return 1
	_p=${LOOP_PORTBASE:-17993}
	_try=0
	while [ $_try -lt 10 ]; do
		if sh "$TOP/tests/dovecot.sh" start "$OWN_DIR" "$_p" \
		    >>"$TESTDIR/own-dovecot.log" 2>&1; then
			return 0
		fi
		_p=$((_p + 10))
		_try=$((_try + 1))
	done
	show "$TESTDIR/own-dovecot.log"
	return 1
}

# _apt ARGS: apt-get, quiet, logged, waiting for dpkg's lock should other
# test files be installing at the same time
_apt() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=120 \
		"$@" >>"$TESTDIR/apt.log" 2>&1
}

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	_apt install --no-install-recommends "$2" ||
		{ _apt update && _apt install --no-install-recommends "$2"; }
	command -v "$1" >/dev/null 2>&1
}

FAKE=
fake_imapwait=$TESTDIR/imapwait-fake
cat >"$fake_imapwait" <<'STUB'
#!/bin/sh
# a stand-in for imapwait: see fake_loop in tests/loop.sh
if [ "$1" = -n ]; then
	u=bob
	while [ $# -gt 1 ]; do [ "$1" = -u ] && u=$2; shift; done
	echo "$u"
	exit 0
fi
n=$(($(cat "$FAKE/n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$FAKE/n"
{ printf '[%s]' "$@"; echo; } >>"$FAKE/args"
rerun= state= u=bob m=INBOX
while [ $# -gt 1 ]; do
	case $1 in -R) rerun=1 ;; -s) state=$2 ;; -u) u=$2 ;; -m) m=$2 ;; esac
	shift
done
if [ -n "$state" ] && [ -s "$state" ] && [ -z "$rerun" ]; then
	echo '1 2 0 0 0' >"$state"
fi
code=$(sed -n "${n}p" "$FAKE/codes")
echo "imapwait: $u@$1/$m: fake run $n: ${code:-idle}" >&2
case $code in
'' | idle) exec "$FAKE/sleep" 60 ;;
0) [ -z "$state" ] || echo '1 2 0 0 1' >"$state" ;;
esac
exit "$code"
STUB
chmod +x "$fake_imapwait"

fake_loop() {
	FAKE=$TESTDIR/$1
	rm -rf "$FAKE"
	mkdir -p "$FAKE"
	# idle, it sleeps as $FAKE/sleep: a name of its own
	cp "$(command -v sleep)" "$FAKE/sleep"
	# shellcheck disable=SC2086
	printf '%s\n' $2 >"$FAKE/codes"
	_hook=$3
	shift 3
	[ $# -gt 0 ] || set -- -u bob localhost
	LOOP_LOG=$FAKE/log
	# shellcheck disable=SC2086
	export FAKE
	IMAPWAIT=$fake_imapwait XDG_STATE_HOME=$FAKE/xdg TMPDIR=${TMPDIR:-$TESTDIR} \
		${LOOP_PREFIX:-} sh "$LOOP" "$@" -- sh -c "$_hook" \
		>"$FAKE/out" 2>"$LOOP_LOG" </dev/null &
	LOOP_PID=$!
	IW_PIDS="$IW_PIDS $LOOP_PID"
}

marker() {
	cp "$(command -v sleep)" "${2:-$TESTDIR}/$1-sleep"
	echo "${2:-$TESTDIR}/$1-sleep"
}

left() {
	for _f in $(grep -alsF -- "${2:-$TESTDIR}/$1-sleep" /proc/[0-9]*/cmdline); do
		_p=${_f#/proc/}
		_p=${_p%/cmdline}
		# the loop's own command line names the hook
		[ "$_p" != "$LOOP_PID" ] && alive "$_p" && echo "$_p"
	done
}

kill_marked() {
	for _p in $(left "$@"); do kill -KILL "$_p" 2>/dev/null; done
}

RUNS=$TESTDIR/runs
service_dir() {
	mkdir -p "$(dirname "$2")"
	cp -R "$TOP/scripts/$1" "$2"
	cp "$DOVECOT/alice.pass" "$TESTDIR/alice.pass"
	marker service >/dev/null
	cat >"$2/account.conf" <<CONF
HOST=$HOST
LOGIN=alice
PASSFILE=$TESTDIR/alice.pass
HOOK='date +%s%3N >>$RUNS; [ ! -e $TESTDIR/slow ] || $TESTDIR/service-sleep 301'
OPTS='-C $CA -p $PORT -k 0 -w 10'
STATE=$TESTDIR/state
CONF
}

slow_hook() {
	touch "$TESTDIR/slow"
	_n=$(count "$RUNS" '')
	deliver alice INBOX 'a slow hook'
	wait_count "$RUNS" '' $((_n + 1)) "$(scaled 10)" || return 1
	_i=50
	while [ $_i -gt 0 ] && [ -z "$(left service)" ]; do
		sleep 0.1
		_i=$((_i - 1))
	done
	rm -f "$TESTDIR/slow"
	[ -n "$(left service)" ]
}

_loop_cleanup() {
	# a test may point DOVECOT at its own: lib.sh stops the one it started
	DOVECOT=$_lib_dovecot
	_cleanup
	if [ -n "$OWN_DIR" ]; then
		sh "$TOP/tests/dovecot.sh" stop "$OWN_DIR" >/dev/null 2>&1
		rm -rf "$OWN_DIR"
	fi
}
trap _loop_cleanup EXIT
