#!/bin/sh
# SPDX-License-Identifier: ISC
# SIGTERM or SIGINT while idling: imapwait ends IDLE, logs out, and dies by
# that signal within a second or two, so that its supervisor sees a signal
# and the server sees a clean logout.
. "$(dirname "$0")/lib.sh"

empty_mailbox alice
log_mark
if idle term -v; then
	t0=$(now_ms)
	kill -TERM "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
	st=$?
	ms=$(($(now_ms) - t0))
	check_exit 'SIGTERM while idling: dies by SIGTERM (143)' 143 "$st"
	if [ "$ms" -le $(($(scaled 2) * 1000)) ]; then
		ok "within 2 s ($ms ms)"
	else
		not_ok 'within 2 s' "$ms ms"
	fi
	check 'the trace shows DONE sent' grep -q ': C: DONE$' "$IW_LOG"
	check 'the trace shows LOGOUT sent' grep -qE ': C: [^ ]+ LOGOUT$' "$IW_LOG"
	if wait_log ': Logged out ' 5; then
		ok 'Dovecot logged a logout, not a dropped connection'
	else
		not_ok 'Dovecot logged a logout, not a dropped connection'
		log_since | show /dev/stdin
	fi
fi

# A shell starts background jobs with SIGINT ignored; the wrapper puts
# back the default, as an interactive shell or a supervisor would.
cat >"$TESTDIR/sigint-default.py" <<'PY'
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
PY
IW_PREFIX="python3 $TESTDIR/sigint-default.py"
log_mark
if idle int -v; then
	kill -INT "$IW_PID"
	wait_pid_exit "$IW_PID" "$(scaled 5)"
	check_exit 'SIGINT while idling: dies by SIGINT (130)' 130 $?
	check 'the trace shows LOGOUT sent' grep -qE ': C: [^ ]+ LOGOUT$' "$IW_LOG"
	if wait_log ': Logged out ' 5; then
		ok 'Dovecot logged a logout'
	else
		not_ok 'Dovecot logged a logout'
		log_since | show /dev/stdin
	fi
fi
IW_PREFIX=

done_testing
