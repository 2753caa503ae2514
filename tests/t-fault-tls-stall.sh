#!/bin/sh
# SPDX-License-Identifier: ISC
# A peer that reads the ClientHello and stops there, mid-handshake: 111
# within the handshake deadline (-w 3).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake tls-stall
fake_iw -w "$(scaled 3)"
expect_exit 111 5
if grep -Eq "TLS handshake failed|timed out waiting for the server" "$IW_LOG"; then
	ok "logs a handshake failure or the deadline"
else
	not_ok "logs \"TLS handshake failed\" or \"timed out waiting for the server\""
	show "$IW_LOG"
fi
record_has "the server got a ClientHello" "bytes before TLS"
result "111 within -w"
done_testing
