#!/bin/sh
# "* -1 EXISTS" (strtoul would make it ULONG_MAX, new mail), then a real
# "* 4 EXISTS": a protocol error (111), or ignored and then 0 on the real
# one; never a wake for -1.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake negative-number
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
check_nolog "no wake for -1" "$IW_LOG" "new mail (3 -> 1844"
result "111, or 0 on the real EXISTS"
done_testing
