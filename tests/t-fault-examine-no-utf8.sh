#!/bin/sh
# SPDX-License-Identifier: ISC
# The server's words in a message: valid UTF-8 is shown as it is (not
# "Entw??rfe"), an escape sequence and an invalid byte as \xNN, so that
# a log line can neither be garbled nor drive the terminal.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake examine-no-utf8
fake_iw
expect_exit 100 5 "unable to examine mailbox"
check_log "UTF-8 as it is" "$IW_LOG" 'Postfach „Entwürfe“ fehlt'
check_log "an escape and a bad byte as \\xNN" "$IW_LOG" 'fehlt \x1b[2J \xff'
check 'no raw escape byte in the log' sh -c "! grep -q \"\$(printf '\\033')\" '$IW_LOG'"
result "100, the server's UTF-8 kept, controls escaped"
done_testing
