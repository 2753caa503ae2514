#!/bin/sh
# A literal announcing 4 GiB (2^32 bytes, which is 0 in 32 bits) whose text
# is "* 99 EXISTS" lines: never allocated. imapwait either refuses it as a
# protocol error (111) or skips through it with a small buffer; it never
# wakes for what is inside.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake huge-literal
fake_iw
wait_idling
fake_wait 8
case $IW_STATUS in
111)
	ok "refused: exit status 111"
	check_log "logs \"protocol error\"" "$IW_LOG" "protocol error"
	;;
124) ok "still skipping through the literal after 8 s (killed)" ;;
*)
	not_ok "exit status 111, or still skipping" "got $IW_STATUS$(status_name "$IW_STATUS")"
	show "$IW_LOG"
	;;
esac
check_nolog "no wake from inside the literal" "$IW_LOG" "new mail"
check_rss 6144
result "111 or skips; never allocated"
done_testing
