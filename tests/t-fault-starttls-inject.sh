#!/bin/sh
# SPDX-License-Identifier: ISC
# STARTTLS injection: the server sends "* CAPABILITY" without IDLE, a
# BYE and a fake tagged OK right after "OK Begin TLS", in the same packet,
# before the handshake. imapwait must discard them: it logs in over TLS,
# idles and wakes for new mail (0); none of the injected lines is seen.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake starttls-inject --mode starttls
fake_iw -S -v
expect_exit 0 5 "new mail (3 -> 4)"
check_nolog "the injected lines are never read" "$IW_LOG" "injected"
result "0, injection discarded"
done_testing
