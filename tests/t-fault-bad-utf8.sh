#!/bin/sh
# Invalid UTF-8 in a response text, then a real "* 4 EXISTS": text is not
# parsed as UTF-8, so it is harmless: 0 on the real EXISTS (111 would be
# acceptable too).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake bad-utf8
fake_iw
wait_idling
fake_wait 8
case $IW_STATUS in
0) check_log "0: woken by the real EXISTS" "$IW_LOG" "new mail (3 -> 4)" ;;
111) check_log "111: logs \"protocol error\"" "$IW_LOG" "protocol error" ;;
*)
	not_ok "exit status 0 or 111" "got $IW_STATUS$(status_name "$IW_STATUS")"
	show "$IW_LOG"
	;;
esac
result "0 on the real EXISTS, or 111"
done_testing
