#!/bin/sh
# Degenerate lines while idling (empty, "*", "* OK", "+", a bare tag,
# "* 9", "* EXISTS", "* +9 EXISTS", "* 0x9 EXISTS", ...), then a real
# "* 4 EXISTS": 111 (protocol error) or 0 on 3 -> 4; never 3 -> 9.
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

fake odd-lines
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
check_nolog "no wake from a malformed count" "$IW_LOG" "new mail (3 -> 9)"
result "111 or 0 on the real EXISTS; never 3 -> 9"
done_testing
