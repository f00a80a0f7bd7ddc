#!/usr/bin/env bash
# The demo PKI made with the openssl and keytool command-line tools, one
# process per step, as Hono 0.7's demo-certs/create_certs.sh made it: a key
# per certificate converted to PKCS#8, one "openssl req | openssl x509" per
# certificate, "openssl pkcs12 -export" per key store and keytool for the
# JKS trust store. It is the reference that certs/bench_test.go measures
# honoctl's generator against, in the same run; it writes the same files.
#
# Usage: scripts/bench-pki.sh DIR [rsa4096|rsa2048|ecdsa-p256]
set -euo pipefail

dir=${1:?usage: $0 DIR [rsa4096|rsa2048|ecdsa-p256]}
kind=${2:-rsa4096}
days=365
mkdir -p "$dir"
cd "$dir"

cat > openssl.cnf <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
keyUsage = digitalSignature, keyEncipherment, keyAgreement
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
subjectAltName = ${ENV::SAN}
CNF
export SAN=DNS:unused

subject() { echo "/C=CA/L=Ottawa/O=Eclipse IoT/OU=Hono/CN=$1"; }

# new_key FILE KIND: a key, then its PKCS#8 form, as the original did.
new_key() {
	case $2 in
	rsa*) openssl genrsa -out "$1.orig" "${2#rsa}" 2>/dev/null ;;
	ecdsa-p256) openssl ecparam -name prime256v1 -genkey -noout -out "$1.orig" ;;
	*) echo "unknown key type $2" >&2; exit 2 ;;
	esac
	openssl pkcs8 -topk8 -nocrypt -in "$1.orig" -out "$1"
	rm "$1.orig"
	chmod 600 "$1"
}

# The CA.
new_key root-key.pem "$kind"
openssl req -x509 -new -config openssl.cnf -extensions ca_ext -key root-key.pem \
	-subj "$(subject root)" -days 3650 -out root-cert.pem
new_key ca-key.pem "$kind"
openssl req -new -config openssl.cnf -key ca-key.pem -subj "$(subject ca)" |
	openssl x509 -req -extfile openssl.cnf -extensions ca_ext -days 3650 \
		-CA root-cert.pem -CAkey root-key.pem -CAcreateserial -out ca-cert.pem 2>/dev/null
cat ca-cert.pem root-cert.pem > trusted-certs.pem
rm -f trustStore.jks
for alias in root ca; do
	keytool -importcert -noprompt -storetype JKS -alias "$alias" -file "$alias-cert.pem" \
		-keystore trustStore.jks -storepass honotrust >/dev/null 2>&1
done

# One key, certificate chain and key store per service.
leaf() { # CERTNAME SERVICE [KEYSTORE PASSWORD]
	local key_kind=$kind
	# Hono 0.7's Java services load only RSA PEM keys (vert.x 3.5.3): with
	# ECDSA, only the router's key is ECDSA, as honoctl makes it.
	if [ "$1" != qdrouter ] && [ "$kind" = ecdsa-p256 ]; then key_kind=rsa2048; fi
	new_key "$1-key.pem" "$key_kind"
	SAN="DNS:$2,DNS:$2.hono,DNS:localhost,IP:127.0.0.1,IP:::1" \
		openssl req -new -config openssl.cnf -key "$1-key.pem" -subj "$(subject "$1")" |
		SAN="DNS:$2,DNS:$2.hono,DNS:localhost,IP:127.0.0.1,IP:::1" \
			openssl x509 -req -extfile openssl.cnf -extensions leaf_ext -days "$days" \
			-CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial -out "$1.pem" 2>/dev/null
	cat "$1.pem" ca-cert.pem > "$1-cert.pem"
	rm "$1.pem"
	if [ $# -gt 2 ]; then
		openssl pkcs12 -export -inkey "$1-key.pem" -in "$1-cert.pem" -out "$3" -passout "pass:$4"
		chmod 600 "$3"
	fi
}
leaf auth-server hono-service-auth authServerKeyStore.p12 authkeys
leaf qdrouter hono-dispatch-router
leaf hono-messaging hono-service-messaging honoKeyStore.p12 honokeys
leaf device-registry hono-service-device-registry deviceRegistryKeyStore.p12 deviceregistrykeys
leaf http-adapter hono-adapter-http-vertx httpKeyStore.p12 httpkeys
leaf mqtt-adapter hono-adapter-mqtt-vertx mqttKeyStore.p12 mqttkeys
leaf kura-adapter hono-adapter-kura kuraKeyStore.p12 kurakeys
rm -f openssl.cnf ./*.srl
