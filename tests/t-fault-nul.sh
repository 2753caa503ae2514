#!/bin/sh
# NUL bytes in lines ("* OK Still\0here", "* 9\0 EXISTS"), then a real
# "* 4 EXISTS": either a protocol error (111) or the NUL lines are no mail
# and the real one wakes it: never 3 -> 9.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake nul
fake_iw
wait_idling
fake_wait 8
case $IW_STATUS in
111) check_log "111: logs \"protocol error\"" "$IW_LOG" "protocol error" ;;
0) check_log "0: woken by the real EXISTS" "$IW_LOG" "new mail (3 -> 4)" ;;
*)
	not_ok "exit status 111 or 0" "got $IW_STATUS$(status_name "$IW_STATUS")"
	show "$IW_LOG"
	;;
esac
check_nolog "no wake from the NUL line" "$IW_LOG" "new mail (3 -> 9)"
result "111, or 0 on the real EXISTS"
done_testing
