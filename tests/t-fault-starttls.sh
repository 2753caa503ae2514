#!/bin/sh
# SPDX-License-Identifier: ISC
# -S: STARTTLS on a plain port. Nothing but CAPABILITY and STARTTLS goes
# out in the clear; after the handshake imapwait logs in, idles and wakes.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake starttls --mode starttls
fake_iw -S
expect_exit 0 5 "new mail (3 -> 4)"
record_has "STARTTLS sent" "^[^# ]+ STARTTLS$"
check "before TLS only CAPABILITY and STARTTLS" sh -c \
	"sed \"/^# 1 tls/q\" \"$FAKE_REC\" | grep -v \"^#\" | grep -Eiv \"^[^ ]+ (CAPABILITY|STARTTLS)\$\" | grep -q . && exit 1; exit 0"
result "0 \"new mail (3 -> 4)\""
done_testing
