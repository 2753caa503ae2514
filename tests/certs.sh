#!/bin/sh
# certs.sh DIR: throwaway certificates for the test servers.
#
#   DIR/ca.pem, DIR/ca.key          a test CA
#   DIR/server.pem, DIR/server.key  signed by it, subjectAltName DNS:localhost
#                                   only (no IP:127.0.0.1, so that a client
#                                   connecting to 127.0.0.1 sees a host name
#                                   mismatch)
#   DIR/other-ca.pem                an unrelated CA that signed nothing here
#
# Existing files are kept, so that calling it twice is harmless.
set -eu

dir=${1:?usage: certs.sh DIR}
mkdir -p "$dir"
cd "$dir"

if [ -s ca.pem ] && [ -s server.pem ] && [ -s server.key ] && [ -s other-ca.pem ]; then
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

newca ca '/CN=imapwait test CA'
newca other-ca '/CN=imapwait unrelated test CA'

run openssl req -new -newkey rsa:2048 -nodes -sha256 -subj '/CN=localhost' \
	-keyout server.key -out server.csr
run openssl x509 -req -sha256 -days "$days" -in server.csr \
	-CA ca.pem -CAkey ca.key -CAcreateserial \
	-extfile ext.cnf -extensions server -out server.pem
rm -f server.csr ca.srl openssl.err

chmod 644 ca.pem other-ca.pem server.pem
run openssl verify -CAfile ca.pem server.pem >/dev/null
rm -f openssl.err
