#!/bin/sh
# SPDX-License-Identifier: ISC
# Issue 9: the readiness fd (-r 3) is a pipe whose reader has gone. The
# write fails (EPIPE); it must never kill imapwait with SIGPIPE: it goes
# on idling, and the new mail 1 s into IDLE wakes it (0).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

# closedpipe: exec the command with fd 3 the write end of a pipe whose
# read end is closed, and SIGPIPE at its default (python ignores it, and
# an ignored signal stays ignored across exec)
cat >"$TESTDIR/closedpipe.py" <<'PY'
import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
r, w = os.pipe()
os.close(r)
os.dup2(w, 3)
os.close(w)
os.execvp(sys.argv[1], sys.argv[1:])
PY
fake new-mail
IW_PREFIX="python3 $TESTDIR/closedpipe.py"
fake_iw
IW_PREFIX=
fake_wait 8
check_exit "exit status 0, not killed by SIGPIPE (141)" 0 "$IW_STATUS"
check_log "logs \"new mail (3 -> 4)\"" "$IW_LOG" "new mail (3 -> 4)"
result "0"
done_testing
