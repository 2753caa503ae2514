#!/bin/sh
# SPDX-License-Identifier: ISC
# certs.sh DIR: throwaway certificates for the test servers.
#
#   DIR/ca.pem, DIR/ca.key          a test CA
#   DIR/server.pem, DIR/server.key  signed by it, subjectAltName DNS:localhost
#                                   only (no IP:127.0.0.1, so that a client
#                                   connecting to 127.0.0.1 sees a host name
#                                   mismatch)
#   DIR/other-ca.pem                an unrelated CA that signed nothing here
#   DIR/eku.pem, DIR/eku.key        from the test CA for localhost, but its
#                                   extendedKeyUsage is only clientAuth and
#                                   emailProtection (no serverAuth)
#   DIR/ku.pem, DIR/ku.key          from the test CA for localhost, but its
#                                   keyUsage is only cRLSign
#
# Existing files are kept, so that calling it twice is harmless.
set -eu

dir=${1:?usage: certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ] && [ -s other-ca.pem ] &&
	[ -s eku.pem ] && [ -s ku.pem ]; then
	exit 0
fi

umask 077
days=3650

cat >ext.cnf <<'CNF'
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[eku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth, emailProtection
subjectAltName = DNS:localhost
[ku]
basicConstraints = critical, CA:FALSE
keyUsage = critical, cRLSign
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
CNF

run() { # quiet unless it fails
	"$@" 2>openssl.err || { cat openssl.err >&2; exit 1; }
}

newca() { # newca NAME SUBJECT
	run openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days "$days" \
		-subj "$2" -keyout "$1.key" -out "$1.pem" \
		-addext 'basicConstraints=critical,CA:TRUE' \
		-addext 'keyUsage=critical,keyCertSign,cRLSign'
}

leaf() { # leaf NAME EXTENSIONS: a certificate for localhost from the test CA
	run openssl req -new -newkey rsa:2048 -nodes -sha256 -subj '/CN=localhost' \
		-keyout "$1.key" -out "$1.csr"
	run openssl x509 -req -sha256 -days "$days" -in "$1.csr" \
		-CA ca.pem -CAkey ca.key -CAcreateserial \
		-extfile ext.cnf -extensions "$2" -out "$1.pem"
	rm -f "$1.csr" ca.srl
	chmod 644 "$1.pem"
}

if [ ! -s ca.pem ] || [ ! -s ca.key ] || [ ! -s server.pem ] || [ ! -s other-ca.pem ]; then
	newca ca '/CN=imapwait test CA'
	newca other-ca '/CN=imapwait unrelated test CA'
	leaf server server
fi
[ -s eku.pem ] || leaf eku eku
[ -s ku.pem ] || leaf ku ku

chmod 644 ca.pem other-ca.pem
run openssl verify -CAfile ca.pem server.pem >/dev/null
# the two bad ones are bad for a TLS server, and only for that
run openssl verify -CAfile ca.pem eku.pem ku.pem >/dev/null
for f in eku ku; do
	if openssl verify -purpose sslserver -CAfile ca.pem "$f.pem" >/dev/null 2>&1; then
		echo "certs.sh: $f.pem passes as a TLS server certificate" >&2
		exit 1
	fi
done
rm -f openssl.err
