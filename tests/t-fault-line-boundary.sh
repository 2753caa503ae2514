#!/bin/sh
# Lines of 4083 to 8192 bytes and around (off-by-one bait for the line
# buffer), then a real "* 4 EXISTS": 111 once a line is too long, or 0 on
# the real EXISTS; no memory error (the ASan and valgrind runs check).
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake line-boundary
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
result "111 or 0; no memory error"
done_testing
