# shellcheck shell=sh
# SPDX-License-Identifier: ISC
# handshake.sh: what the fake server saw of the TLS handshake, for the
# certificate stories. Sourced after lib.sh and fault.sh. fakeimap.py
# records "# N sni NAME" (or "sni none"), "# N tls VERSION" once a
# handshake completed, and "# N alert NAME" for a fatal alert from the
# client that ended one.
#
#	aborted_with ALERT   connection 1: no completed handshake, the fatal
#	                     alert ALERT (unknown_ca, bad_certificate, ...),
#	                     and no IMAP command at all (so no credential)
#	sni_was NAME         connection 1's ClientHello named NAME ("none":
#	                     it had no server_name)
#	fingerprint PEM      SHA-256 as openssl and -F write it (AB:CD:...)

aborted_with() {
	if grep -Eq '^# 1 tls ' "$FAKE_REC" 2>/dev/null; then
		not_ok "no completed TLS handshake" "the server completed one:"
		show "$FAKE_REC"
	else
		ok "no completed TLS handshake"
	fi
	if grep -qx "# 1 alert $1" "$FAKE_REC" 2>/dev/null; then
		ok "the server got the fatal alert $1"
	else
		not_ok "the server got the fatal alert $1"
		show "$FAKE_REC"
	fi
	if grep -q '^[^#]' "$FAKE_REC" 2>/dev/null; then
		not_ok "the server got no IMAP command"
		show "$FAKE_REC"
	else
		ok "the server got no IMAP command"
	fi
}

sni_was() {
	if grep -qx "# 1 sni $1" "$FAKE_REC" 2>/dev/null; then
		ok "server_name in the ClientHello: $1"
	else
		not_ok "server_name in the ClientHello: $1"
		show "$FAKE_REC"
	fi
}

fingerprint() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
}
