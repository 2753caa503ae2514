#!/bin/sh
# SPDX-License-Identifier: ISC
# Nothing listens on the port: 111 "unable to connect" at once.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake normal
port=$FAKE_PORT
kill "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null
fake_iw -p "$port"
expect_exit 111 3 "unable to connect to localhost:$port"
result "111 \"unable to connect\""
done_testing
