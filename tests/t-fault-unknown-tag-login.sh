#!/bin/sh
# A tagged OK with a tag imapwait never sent, before the real answer (NO):
# it must not count as logged in. 100 (the real NO) or 111 (protocol
# error); never EXAMINE.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake unknown-tag-login
fake_iw -v
fake_wait 10
case $IW_STATUS in
100 | 111) ok "exit status 100 or 111 ($IW_STATUS)" ;;
*) not_ok "exit status 100 or 111" "got $IW_STATUS"; show "$IW_LOG" ;;
esac
record_lacks "no EXAMINE after the foreign OK" "^[^# ]+ (EXAMINE|SELECT) "
result "100 or 111, no EXAMINE"
done_testing
