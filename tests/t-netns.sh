#!/bin/sh
# SPDX-License-Identifier: ISC
# Dead networks for real. Three network namespaces made by this test, with
# addresses that exist only inside them (documentation ranges):
#
#	client 192.0.2.2 -- 192.0.2.1 router 198.51.100.1 -- 198.51.100.2 server
#
# The fake server (scenario new-mail-later) runs in the server namespace
# with a certificate for imap.netns.test, which the client namespace's own
# /etc/hosts (ip netns exec binds /etc/netns/NAME/hosts) maps to
# 198.51.100.2. imapwait idles with -k 2; then the router silently drops
# every packet both ways (blackhole routes: no ICMP, no carrier change, as
# a NAT box that forgot the connection). imapwait must exit 111 within its
# keepalive window, k + 4 probes * max(1, k/4) s, plus slack. The routes
# go away and a second run connects, idles and wakes for new mail (0).
#
# Needs root and ip(8); if namespaces cannot be made here, that is a
# failure with the reason, never a silent pass.
# repeat: no
export NODOVECOT=1
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault.sh"

k=2
probe=$((k / 4))
[ "$probe" -ge 1 ] || probe=1
window=$((k + 4 * probe))
slack=4
C=iwc$$
R=iwr$$
S=iws$$
cip=192.0.2.2
sip=198.51.100.2
name=imap.netns.test
made_etc_netns=

netns_down() {
	for _ns in $C $R $S; do
		ip netns del "$_ns" 2>/dev/null
	done
	rm -rf "/etc/netns/$C"
	[ -z "$made_etc_netns" ] || rmdir /etc/netns 2>/dev/null
	return 0
}
trap '_fault_cleanup; netns_down' EXIT

# step WHAT COMMAND...: a setup command that must work
step() {
	_what=$1
	shift
	if "$@" >"$TESTDIR/step.err" 2>&1; then
		return 0
	fi
	not_ok "$_what" "failed: $*" "$(cat "$TESTDIR/step.err")"
	done_testing
}

if [ "$(id -u)" -ne 0 ]; then
	not_ok "network namespaces: need root, running as uid $(id -u)"
	done_testing
fi
command -v ip >/dev/null || { not_ok "network namespaces: no ip(8) (iproute2)"; done_testing; }

step "ip netns add works here" ip netns add $C
step "ip netns add" ip netns add $R
step "ip netns add" ip netns add $S
for ns in $C $R $S; do
	step "loopback up in $ns" ip -n "$ns" link set lo up
done
step "veth client-router" ip link add "c$$" netns $C type veth peer name "rc$$" netns $R
step "veth server-router" ip link add "s$$" netns $S type veth peer name "rs$$" netns $R
step "client address" ip -n $C addr add $cip/24 dev "c$$"
step "client link" ip -n $C link set "c$$" up
step "client route" ip -n $C route add default via 192.0.2.1
step "router address" ip -n $R addr add 192.0.2.1/24 dev "rc$$"
step "router link" ip -n $R link set "rc$$" up
step "router address" ip -n $R addr add 198.51.100.1/24 dev "rs$$"
step "router link" ip -n $R link set "rs$$" up
step "server address" ip -n $S addr add $sip/24 dev "s$$"
step "server link" ip -n $S link set "s$$" up
step "server route" ip -n $S route add default via 198.51.100.1
step "router forwards" ip netns exec $R sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
[ -d /etc/netns ] || made_etc_netns=1
step "hosts file for the client namespace" mkdir -p "/etc/netns/$C"
echo "$sip $name" >"/etc/netns/$C/hosts"
ok "namespaces $C, $R, $S with veth pairs and a router"

make_cert netns "DNS:$name,IP:$sip" || { not_ok "certificate for $name"; done_testing; }
FAKE_WRAP="ip netns exec $S"
fake new-mail-later --host $sip --connections 2 \
	--cert "$TESTDIR/netns.pem" --key "$TESTDIR/netns.key"
FAKE_WRAP=

IMAPWAIT="ip netns exec $C $IMAPWAIT"
HOST=$name
fake_iw -k $k -t 120
wait_idling || done_testing

# the network dies silently
step "blackhole to the server" ip -n $R route add blackhole $sip/32
step "blackhole to the client" ip -n $R route add blackhole $cip/32
t0=$(now_ms)
fake_wait $((window + slack + 10))
dt=$(($(now_ms) - t0))
check_exit "a dead network: exit status 111" 111 "$IW_STATUS"
lim=$(($(scaled $((window + slack))) * 1000))
if [ "$dt" -le "$lim" ] && [ "$dt" -ge $((k * 1000)) ]; then
	ok "noticed by keepalive $dt ms after the drop (window ${window} s + ${slack} s)"
else
	not_ok "noticed by keepalive within ${window} s + ${slack} s of the drop" "took $dt ms"
fi
diag "log: $(tail -n 1 "$IW_LOG")"
IW_MS=$dt
result "111 within k + 4 probes ($window s) + $slack s"

# the network comes back; a new run works end to end
step "blackhole removed" ip -n $R route del blackhole $sip/32
step "blackhole removed" ip -n $R route del blackhole $cip/32
fake_iw -k $k -t 120
expect_exit 0 10 "new mail (3 -> 4)"
FAULT_NAME=netns-after-restore
result "0 after the link is restored"
done_testing
