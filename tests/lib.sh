# SPDX-License-Identifier: ISC
# lib.sh: helpers for tests/t-*.sh, sourced as
# shellcheck shell=sh
#
#	. "$(dirname "$0")/lib.sh"
#
# A test file is a story: start imapwait, do the thing, check the exit
# status and the log line, then done_testing. It prints "ok N - what" and
# "not ok N - what" lines (with "# " lines of detail) and exits non-zero
# if anything failed.
#
# Environment (tests/run sets it; a file run on its own starts a private
# Dovecot of its own, on $PORTBASE or 11993):
#	IMAPWAIT   the command under test, possibly several words
#	           ("valgrind --error-exitcode=99 ... ./imapwait")
#	TESTDIR    scratch directory for this file
#	DOVECOT    the private Dovecot's directory (tests/dovecot.sh), whose
#	           env file gives PORT STARTTLS_PORT CA OTHERCA MAILUID MAILGID
#	           DOVECOT_LOG
#	TIMESCALE  multiplier for time limits (1; more under valgrind)
#	NODOVECOT  set to 1 before sourcing: a test that needs no Dovecot
#
# Running imapwait (output in $TESTDIR/NAME.log, .out and .ready):
#	iw_start NAME [options]   in the background; sets IW_PID, IW_LOG,
#	                          IW_READY. Adds -r 3 and, unless given,
#	                          -C $CA -p $PORT -u alice -P alice.pass
#	                          -w 10 -k 0 -t 60; the host is $HOST
#	                          (default localhost)
#	iw_run NAME [options]     iw_start, then wait for the exit; sets
#	                          IW_STATUS (124: killed at the time limit)
#	wait_ready FILE SECS [PID]   until imapwait's readiness byte arrives
#	wait_pid_exit PID SECS    its exit status, or 124 after killing it
#	alive PID                 running and not yet a zombie
#	wait_text FILE TEXT SECS  until FILE contains TEXT
#	IW_PREFIX                 words to put before $IMAPWAIT (a wrapper)
#
# Mail (Maildir, written the way an MDA does: tmp/, then rename to new/):
#	deliver USER [MAILBOX] [SUBJECT]   sets LAST_MSG (the file's base name)
#	set_flags USER MAILBOX MSG FLAGS   e.g. S: rename into cur/MSG:2,S
#	expunge USER MAILBOX MSG           remove it
#	empty_mailbox USER [MAILBOX]
#
# Checks:
#	ok WHAT | not_ok WHAT [DETAIL...] | check WHAT COMMAND...
#	check_exit WHAT EXPECTED ACTUAL
#	check_log WHAT FILE TEXT | check_nolog WHAT FILE TEXT   (fixed text)
#	log_mark; log_since; wait_log TEXT SECS   the Dovecot log since mark
#	credentials_seen   the server got a LOGIN/AUTHENTICATE since mark
#	show FILE          print FILE as "# " lines
#	done_testing

TOP=$(cd "$(dirname "$0")/.." && pwd)
IMAPWAIT=${IMAPWAIT:-$TOP/imapwait}
TIMESCALE=${TIMESCALE:-1}
HOST=${HOST:-localhost}
LC_ALL=C.UTF-8
export LC_ALL

_tap_n=0
_tap_failed=0
IW_PIDS=
IW_RUNS=
IW_PID=
IW_LOG=/dev/null
IW_READY=/dev/null
IW_STATUS=
LAST_MSG=
_own_dovecot=

# --- output -------------------------------------------------------------

ok() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1"
}

not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	for _l in "$@"; do
		echo "#   $_l"
	done
}

diag() {
	echo "# $*"
}

# show FILE [LINES]: the end of FILE as diagnostics
show() {
	[ -s "$1" ] || { echo "#   ($1 is empty)"; return 0; }
	echo "#   --- $1"
	tail -n "${2:-25}" "$1" | sed 's/^/#   | /'
}

check() {
	_what=$1
	shift
	if "$@"; then ok "$_what"; else not_ok "$_what" "failed: $*"; fi
}

check_exit() {
	if [ "$3" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "expected exit status $2, got $3$(status_name "$3")"
		show "$IW_LOG"
	fi
}

status_name() {
	case $1 in
	124) echo ' (still running at the time limit, killed)' ;;
	99) echo ' (valgrind reported errors)' ;;
	1[3-9][0-9]) echo " (killed by signal $(($1 - 128)))" ;;
	esac
}

check_log() {
	if grep -qF -- "$3" "$2" 2>/dev/null; then
		ok "$1"
	else
		not_ok "$1" "no \"$3\" in $2"
		show "$2"
	fi
}

check_nolog() {
	if grep -qF -- "$3" "$2" 2>/dev/null; then
		not_ok "$1" "\"$3\" found in $2:"
		grep -nF -- "$3" "$2" | head -n 5 | sed 's/^/#   | /'
	else
		ok "$1"
	fi
}

# --- time and processes -------------------------------------------------

now_ms() {
	date +%s%3N
}

# scaled N: N seconds, stretched for slow runs (valgrind)
scaled() {
	echo $(($1 * TIMESCALE))
}

alive() {
	_st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$_st" ] && [ "$_st" != Z ]
}

wait_pid_exit() {
	_i=$(($2 * 10))
	while [ "$_i" -gt 0 ] && alive "$1"; do
		sleep 0.1
		_i=$((_i - 1))
	done
	if alive "$1"; then
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
	wait "$1"
}

wait_ready() {
	_i=$(($2 * 10))
	while [ "$_i" -gt 0 ]; do
		[ -s "$1" ] && return 0
		if [ -n "${3:-}" ] && ! alive "$3"; then
			[ -s "$1" ]
			return
		fi
		sleep 0.1
		_i=$((_i - 1))
	done
	[ -s "$1" ]
}

wait_text() {
	_i=$(($3 * 10))
	while [ "$_i" -gt 0 ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i - 1))
	done
	return 1
}

# --- running imapwait ---------------------------------------------------

_has_opt() { # _has_opt OPT ARGS...
	_o=$1
	shift
	for _a in "$@"; do
		[ "$_a" = "$_o" ] && return 0
	done
	return 1
}

iw_start() {
	_name=$1
	shift
	IW_LOG=$TESTDIR/$_name.log
	IW_READY=$TESTDIR/$_name.ready
	rm -f "$IW_LOG" "$IW_READY" "$TESTDIR/$_name.out"
	_has_opt -C "$@" || set -- "$@" -C "$CA"
	_has_opt -p "$@" || set -- "$@" -p "$PORT"
	_has_opt -u "$@" || set -- "$@" -u alice
	if ! _has_opt -P "$@" && ! _has_opt -c "$@"; then
		set -- "$@" -P "$DOVECOT/alice.pass"
	fi
	_has_opt -w "$@" || set -- "$@" -w "$(scaled 10)"
	_has_opt -k "$@" || set -- "$@" -k 0
	_has_opt -t "$@" || set -- "$@" -t 60
	echo "${IW_PREFIX:-}${IW_PREFIX:+ }$IMAPWAIT $* -r 3 $HOST" >"$TESTDIR/$_name.cmd"
	# IMAPWAIT may be several words: split it, but glob nothing
	set -f
	# shellcheck disable=SC2086
	${IW_PREFIX:-} $IMAPWAIT "$@" -r 3 "$HOST" 3>"$IW_READY" >"$TESTDIR/$_name.out" 2>"$IW_LOG" </dev/null &
	IW_PID=$!
	set +f
	IW_PIDS="$IW_PIDS $IW_PID"
	IW_RUNS=$((${IW_RUNS:-0} + 1))
}

iw_run() {
	iw_start "$@"
	wait_pid_exit "$IW_PID" "$(scaled 60)"
	IW_STATUS=$?
	return "$IW_STATUS"
}

# idle NAME [options]: start and wait until the server accepted IDLE
idle() {
	iw_start "$@"
	if wait_ready "$IW_READY" "$(scaled 20)" "$IW_PID"; then
		return 0
	fi
	not_ok "$1: imapwait signals readiness once idling" "see $IW_LOG"
	show "$IW_LOG"
	return 1
}

# --- mail ---------------------------------------------------------------

# mutf7 NAME: RFC 3501 modified UTF-7, as Dovecot names maildir folders
mutf7() {
	python3 -c '
import base64, sys
out, buf = [], ""
def flush():
    global buf
    if buf:
        b = base64.b64encode(buf.encode("utf-16-be")).decode()
        out.append("&" + b.rstrip("=").replace("/", ",") + "-")
        buf = ""
for c in sys.argv[1]:
    if " " <= c <= "~":
        flush()
        out.append("&-" if c == "&" else c)
    else:
        buf += c
flush()
print("".join(out))' "$1"
}

# maildir USER [MAILBOX]: the Maildir++ directory of a mailbox
maildir() {
	_md=$DOVECOT/home/$1/Maildir
	case ${2:-INBOX} in
	INBOX) echo "$_md" ;;
	*) echo "$_md/.$(mutf7 "$2" | tr / .)" ;;
	esac
}

_seq=0
deliver() {
	_md=$(maildir "$1" "${2:-INBOX}")
	[ -d "$_md/new" ] || { not_ok "deliver: no maildir $_md"; return 1; }
	_seq=$((_seq + 1))
	LAST_MSG=$(date +%s).M$(date +%N)Q${_seq}P$$.imapwait-test
	{
		echo "From: Test Sender <sender@example.org>"
		echo "To: $1@localhost"
		echo "Subject: ${3:-test message $_seq}"
		echo "Date: $(date -R)"
		echo "Message-ID: <$LAST_MSG@localhost>"
		echo
		echo "Test message $_seq for ${2:-INBOX}."
	} >"$_md/tmp/$LAST_MSG"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$MAILUID:$MAILGID" "$_md/tmp/$LAST_MSG"
	fi
	mv "$_md/tmp/$LAST_MSG" "$_md/new/$LAST_MSG"
}

# _find_msg DIR MSG: the current path of message MSG (new/ or cur/)
_find_msg() {
	for _f in "$1/new/$2" "$1/cur/$2" "$1/cur/$2":*; do
		[ -e "$_f" ] && { echo "$_f"; return 0; }
	done
	return 1
}

set_flags() {
	_md=$(maildir "$1" "$2")
	_f=$(_find_msg "$_md" "$3") || { not_ok "set_flags: no message $3"; return 1; }
	mv "$_f" "$_md/cur/$3:2,$4"
}

expunge() {
	_md=$(maildir "$1" "$2")
	_f=$(_find_msg "$_md" "$3") || { not_ok "expunge: no message $3"; return 1; }
	rm -f "$_f"
}

empty_mailbox() {
	_md=$(maildir "$1" "${2:-INBOX}")
	find "$_md/new" "$_md/cur" "$_md/tmp" -type f -exec rm -f {} +
}

# --- the server's log ---------------------------------------------------

_mark=0
log_mark() {
	_mark=$(wc -l <"$DOVECOT_LOG")
}

log_since() {
	tail -n "+$((_mark + 1))" "$DOVECOT_LOG"
}

wait_log() {
	_i=$(($2 * 10))
	while [ "$_i" -gt 0 ]; do
		log_since | grep -qF -- "$1" && return 0
		sleep 0.1
		_i=$((_i - 1))
	done
	return 1
}

# credentials_seen: since log_mark, did any client send a LOGIN or an
# AUTHENTICATE? imap-login logs "Login: user=<u>, method=..." on success
# and "(auth failed, N attempts ...): user=<u>, method=..." on failure,
# the auth process (auth_verbose) logs every rejected attempt; a
# connection without credentials ends with "user=<>" and no method.
credentials_seen() {
	log_since | grep -qE 'imap-login: .*(Login: |auth failed|method=|user=<[^>])|auth: |auth-worker'
}

# login_disconnects: the imap-login lines about connections since log_mark
login_disconnects() {
	log_since | grep -E 'imap-login: .*Disconnected'
}

# --- setup and teardown ------------------------------------------------

_cleanup() {
	for _p in $IW_PIDS; do
		alive "$_p" || continue
		kill -TERM "$_p" 2>/dev/null
		_i=20
		while [ $_i -gt 0 ] && alive "$_p"; do
			sleep 0.1
			_i=$((_i - 1))
		done
		kill -KILL "$_p" 2>/dev/null
	done
	if [ -n "$_own_dovecot" ]; then
		sh "$TOP/tests/dovecot.sh" stop "$DOVECOT"
	fi
	# a scratch directory of our own goes when all passed
	if [ -n "$_own_testdir" ] && [ "$_tap_failed" -eq 0 ] && [ "$_tap_n" -gt 0 ]; then
		rm -rf "$TESTDIR"
	elif [ -n "$_own_testdir" ]; then
		echo "# scratch files kept in $TESTDIR"
	fi
}

# sanitizer and valgrind reports in the logs of this file's runs
_memcheck() {
	[ -n "$IW_RUNS" ] || return 0
	_bad=$(grep -lE 'ERROR SUMMARY: [1-9]|AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer' \
		"$TESTDIR"/*.log 2>/dev/null)
	if [ -n "$_bad" ]; then
		not_ok "no memory or undefined-behaviour errors in $IW_RUNS runs"
		for _f in $_bad; do show "$_f" 40; done
	elif [ "${IMAPWAIT_MODE:-plain}" = valgrind ] || [ "${IMAPWAIT_MODE:-plain}" = asan ]; then
		ok "no $IMAPWAIT_MODE errors in $IW_RUNS runs"
	fi
}

done_testing() {
	_memcheck
	if [ "$_tap_n" -eq 0 ]; then
		not_ok "$(basename "$0") ran no test"
	fi
	[ "$_tap_failed" -eq 0 ] && exit 0
	diag "$_tap_failed of $_tap_n failed"
	exit 1
}

trap _cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

_own_testdir=
if [ -z "${TESTDIR:-}" ]; then
	_own_testdir=1
	TESTDIR=$(mktemp -d /tmp/imapwait-test.XXXXXX)
	chmod 755 "$TESTDIR"
fi
mkdir -p "$TESTDIR"

if [ "${NODOVECOT:-}" != 1 ]; then
	if [ -z "${DOVECOT:-}" ]; then
		DOVECOT=$TESTDIR/dovecot
		_own_dovecot=1
		_p=${PORTBASE:-11993}
		_i=0
		until sh "$TOP/tests/dovecot.sh" start "$DOVECOT" "$_p" 2>"$TESTDIR/dovecot-start.log"; do
			_i=$((_i + 1))
			[ $_i -lt 10 ] || { cat "$TESTDIR/dovecot-start.log" >&2; exit 1; }
			_p=$((_p + 100))
		done
	fi
	# shellcheck disable=SC1091
	. "$DOVECOT/env"
fi
