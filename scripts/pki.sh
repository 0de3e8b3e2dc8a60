#!/usr/bin/env bash
# pki.sh - a development PKI with openssl. Not for production: keys are
# written unencrypted. For real deployments use your own CA and keep its key
# offline.
#
#   scripts/pki.sh init DIR [HOST...]  CA (ca.crt, ca.key) and the centre's
#                                      server certificate (centre.crt/.key)
#                                      for localhost, 127.0.0.1 and HOSTs
#   scripts/pki.sh post DIR CODE       a post's client certificate
#                                      (post-CODE.crt/.key, CN post-CODE)
#   scripts/pki.sh rogue DIR CODE      the same CN from another CA
#                                      (rogue-ca.crt, rogue-CODE.crt/.key),
#                                      for refusal tests
#   scripts/pki.sh revoke DIR CODE     revoke post-CODE.crt; writes ca.crl
#   scripts/pki.sh fingerprint FILE    SHA-256 of a certificate's DER
#   scripts/pki.sh feedkey DIR         the feed signing key: feed.key
#                                      (Ed25519 private, PEM PKCS#8, mode
#                                      600) for central.yaml's
#                                      feed.signing_key, and feed.pub (its
#                                      public key, PEM) for the posts; an
#                                      existing feed.key is kept
set -euo pipefail

die() { echo "pki.sh: $*" >&2; exit 1; }
days=825

newca() { # dir name subject
	local d=$1 n=$2 subj=$3
	[ -f "$d/$n.crt" ] && return
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$n.key" -out "$d/$n.crt" -days 3650 -subj "$subj" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	chmod 600 "$d/$n.key"
}

issue() { # dir ca out cn ext
	local d=$1 ca=$2 out=$3 cn=$4 ext=$5
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$d/$out.key" -out "$d/$out.csr" -subj "/O=Shekara/CN=$cn" \
	    2>/dev/null
	openssl x509 -req -in "$d/$out.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" \
	    -CAcreateserial -out "$d/$out.crt" -days $days -extfile "$ext" \
	    2>/dev/null
	rm -f "$d/$out.csr"
	chmod 600 "$d/$out.key"
}

cmd=${1:-}; d=${2:-}
[ -n "$cmd" ] && [ -n "$d" ] || die "usage: pki.sh init|post|rogue|revoke|fingerprint|feedkey DIR|FILE [CODE]"

case "$cmd" in
init)
	mkdir -p "$d"; shift 2
	newca "$d" ca "/O=Shekara/CN=Shekara development CA"
	san="DNS:localhost,IP:127.0.0.1"
	for h in "$@"; do
		if [[ "$h" =~ ^[0-9.]+$ ]]; then san="$san,IP:$h"; else san="$san,DNS:$h"; fi
	done
	ext=$(mktemp)
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
	issue "$d" ca centre "Shekara centre" "$ext"
	rm -f "$ext"
	;;
post|rogue)
	code=${3:-}
	[[ "$code" =~ ^[A-Z0-9]{2,16}$ ]] || die "post code must be [A-Z0-9]{2,16}"
	[ -f "$d/ca.crt" ] || die "$d/ca.crt missing: run pki.sh init first"
	ext=$(mktemp)
	printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$ext"
	if [ "$cmd" = post ]; then
		issue "$d" ca "post-$code" "post-$code" "$ext"
	else
		newca "$d" rogue-ca "/O=Shekara/CN=Shekara development CA"
		issue "$d" rogue-ca "rogue-$code" "post-$code" "$ext"
	fi
	rm -f "$ext"
	;;
revoke)
	code=${3:-}
	[ -f "$d/post-$code.crt" ] || die "$d/post-$code.crt missing"
	cnf=$(mktemp)
	mkdir -p "$d/crl"
	touch "$d/crl/index.txt"
	[ -f "$d/crl/crlnumber" ] || echo 1000 >"$d/crl/crlnumber"
	cat >"$cnf" <<CNF
[ca]
default_ca = dev
[dev]
database = $d/crl/index.txt
crlnumber = $d/crl/crlnumber
default_md = sha256
default_crl_days = 30
CNF
	openssl ca -config "$cnf" -revoke "$d/post-$code.crt" -keyfile "$d/ca.key" \
	    -cert "$d/ca.crt" 2>/dev/null
	openssl ca -config "$cnf" -gencrl -keyfile "$d/ca.key" -cert "$d/ca.crt" \
	    -out "$d/ca.crl" 2>/dev/null
	rm -f "$cnf"
	;;
fingerprint)
	openssl x509 -in "$d" -noout -fingerprint -sha256 | sed 's/.*=//'
	;;
feedkey)
	mkdir -p "$d"
	if [ ! -f "$d/feed.key" ]; then
		(umask 077; openssl genpkey -algorithm ed25519 \
		    -out "$d/feed.key.tmp" 2>/dev/null)
		mv "$d/feed.key.tmp" "$d/feed.key"
	fi
	chmod 600 "$d/feed.key"
	openssl pkey -in "$d/feed.key" -pubout -out "$d/feed.pub" 2>/dev/null
	chmod 644 "$d/feed.pub"
	;;
*)
	die "unknown command $cmd"
	;;
esac
