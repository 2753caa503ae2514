#!/bin/sh
# SPDX-License-Identifier: ISC
# mbedtls36.sh DIR: unpack Debian trixie's mbedTLS 3.6 (libmbedtls-dev and
# the libraries it depends on) into DIR, with DIR/include and DIR/lib, so
# that `make MBEDTLS=DIR` builds imapwait against it on a bookworm machine.
#
# The packages come from the machine's own Debian mirrors (taken from
# /etc/apt/sources.list and /etc/apt/sources.list.d, suites moved to
# trixie), verified with /usr/share/keyrings/debian-archive-keyring.gpg,
# through a private apt configuration in a temporary directory: the
# system's apt lists, cache, status and configuration are left alone.
# Works as root or not. Does nothing if DIR already holds mbedTLS >= 3.6.
#
# MBEDTLS36_KEEP=1 keeps the temporary directory (apt logs) for a look.
# Exit 0 on success; 1 with one line on stderr on failure.
set -u

SUITE=trixie
MINVER=0x03060000
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

tmp=
die() {
	printf 'mbedtls36.sh: %s\n' "$*" >&2
	exit 1
}
cleanup() {
	if [ -n "$tmp" ] && [ -n "${MBEDTLS36_KEEP:-}" ]; then
		printf 'mbedtls36.sh: kept %s\n' "$tmp" >&2
	elif [ -n "$tmp" ]; then
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

if [ $# -ne 1 ] || [ -z "$1" ]; then
	die "usage: tests/mbedtls36.sh DIR"
fi
case $1 in
/*) dir=$1 ;;
*) dir=$(pwd)/$1 ;;
esac

# The version DIR's headers declare, as a decimal number (0 if none).
header_version() {
	v=$(sed -n 's/^#define[ 	]*MBEDTLS_VERSION_NUMBER[ 	]*\(0x[0-9A-Fa-f]*\).*/\1/p' \
		"$1/include/mbedtls/build_info.h" "$1/include/mbedtls/version.h" 2>/dev/null | head -n 1)
	echo $((${v:-0}))
}

# Already there: headers of 3.6 or later and the three shared libraries.
if [ "$(header_version "$dir")" -ge $((MINVER)) ] &&
	[ -e "$dir/lib/libmbedtls.so" ] && [ -e "$dir/lib/libmbedx509.so" ] &&
	[ -e "$dir/lib/libmbedcrypto.so" ]; then
	exit 0
fi

# DIR/include and DIR/lib are made symlinks: refuse to replace anything else.
for name in include lib; do
	if [ -e "$dir/$name" ] && [ ! -L "$dir/$name" ]; then
		die "$dir/$name exists and is not a symlink (choose another DIR)"
	fi
done
if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
	die "unable to create or write to $dir"
fi

for cmd in apt-get apt-cache apt-config dpkg dpkg-deb awk sed sort; do
	command -v "$cmd" >/dev/null 2>&1 || die "$cmd not found (this needs a Debian system)"
done
[ -r "$KEYRING" ] || die "$KEYRING missing: install debian-archive-keyring"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mbedtls36.XXXXXX") || die "unable to create a temporary directory"
case $tmp in
*'"'* | *'
'*) die "unusable temporary directory name: $tmp" ;;
esac

# The keyring must hold trixie's archive keys (debian-archive-keyring
# 2023.3+deb12u2, a bookworm stable update, added them). Checked here when
# gpg is at hand; apt checks the signatures either way.
if command -v gpg >/dev/null 2>&1; then
	mkdir -m 700 "$tmp/gnupg" || die "unable to create $tmp/gnupg"
	if GNUPGHOME=$tmp/gnupg gpg --batch --with-colons --show-keys "$KEYRING" >"$tmp/keys" 2>/dev/null; then
		grep -q "^uid:.*/$SUITE)" "$tmp/keys" ||
			die "$KEYRING has no key for $SUITE: upgrade debian-archive-keyring (2023.3+deb12u2 or later)"
	fi
fi

# Debian entries of the machine's sources: "URI SUITE COMPONENT..." lines.
sources() {
	set --
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] && set -- "$@" "$f"
	done
	if [ $# -gt 0 ]; then
		awk '
		function flush(  nu, ns, i, j, u, s) {
			if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled !~ /^(no|false|0)$/) {
				nu = split(uris, u, /[ \t]+/)
				ns = split(suites, s, /[ \t]+/)
				for (i = 1; i <= nu; i++)
					for (j = 1; j <= ns; j++)
						if (u[i] != "" && s[j] != "")
							print u[i], s[j], comps
			}
			types = uris = suites = comps = enabled = ""
		}
		FNR == 1 { flush() }
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }
		{
			key = tolower($0); sub(/:.*/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
			if (key == "types") types = val
			else if (key == "uris") uris = val
			else if (key == "suites") suites = val
			else if (key == "components") comps = val
			else if (key == "enabled") enabled = tolower(val)
		}
		END { flush() }
		' "$@"
	fi
	set --
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] && set -- "$@" "$f"
	done
	if [ $# -gt 0 ]; then
		awk '
		{
			sub(/#.*/, "")
			if ($1 != "deb") next
			line = $0
			sub(/^[ \t]*deb[ \t]+/, "", line)
			if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
			n = split(line, f, /[ \t]+/)
			if (n < 3) next
			comps = f[3]
			for (i = 4; i <= n; i++) comps = comps " " f[i]
			print f[1], f[2], comps
		}
		' "$@"
	fi
}

codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"'"'" | head -n 1)
sources | while read -r uri suite comps; do
	case " $comps " in
	*" main "*) ;;
	*) continue ;;
	esac
	case $suite in
	"$codename" | stable | "$SUITE") to=$SUITE ;;
	"$codename"-updates | stable-updates | "$SUITE"-updates) to=$SUITE-updates ;;
	"$codename"-security | "$codename"/updates | stable-security | "$SUITE"-security) to=$SUITE-security ;;
	*) continue ;;
	esac
	printf '%s %s\n' "${uri%/}" "$to"
done | sort -u >"$tmp/entries" || die "unable to read the apt sources"
[ -s "$tmp/entries" ] ||
	die "no Debian ${codename:-stable} main entry in /etc/apt/sources.list or /etc/apt/sources.list.d"
while read -r uri suite; do
	case $uri in
	*'"'* | *' '*) die "unusable URI in the apt sources: $uri" ;;
	esac
	printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n\n' \
		"$uri" "$suite" "$KEYRING"
done <"$tmp/entries" >"$tmp/$SUITE.sources"

# The private apt configuration. APT_CONFIG is read first and points
# Dir::Etc::parts and Dir::Etc::main away from /etc/apt, so none of the
# system's configuration applies except the network and validity settings
# copied from it (proxies, Check-Valid-Until for a frozen mirror).
arch=$(dpkg --print-architecture) || die "dpkg --print-architecture failed"
mkdir -p "$tmp/etc/apt.conf.d" "$tmp/etc/sources.list.d" "$tmp/etc/preferences.d" \
	"$tmp/etc/trusted.gpg.d" "$tmp/state/lists/partial" "$tmp/cache/archives/partial" \
	"$tmp/log" "$tmp/debs" || die "unable to create $tmp"
: >"$tmp/state/status"
{
	apt-config dump 2>/dev/null | grep -E '^Acquire::((https?|ftp|socks)::|(Check-Valid-Until|Check-Date|Max-ValidTime|Min-ValidTime|Retries|ForceIPv4|ForceIPv6) )'
	cat <<EOF
Dir::Etc::main "$tmp/etc/apt.conf";
Dir::Etc::parts "$tmp/etc/apt.conf.d";
Dir::Etc::sourcelist "$tmp/$SUITE.sources";
Dir::Etc::sourceparts "$tmp/etc/sources.list.d";
Dir::Etc::preferences "$tmp/etc/preferences";
Dir::Etc::preferencesparts "$tmp/etc/preferences.d";
Dir::Etc::trusted "$tmp/etc/trusted.gpg";
Dir::Etc::trustedparts "$tmp/etc/trusted.gpg.d";
Dir::State "$tmp/state";
Dir::State::status "$tmp/state/status";
Dir::Cache "$tmp/cache";
Dir::Log "$tmp/log";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Acquire::Languages "none";
Acquire::PDiffs "false";
EOF
} >"$tmp/apt.conf"
APT_CONFIG=$tmp/apt.conf
export APT_CONFIG

# As root apt downloads as the unprivileged _apt user: let it reach the files.
if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then
	chmod 755 "$tmp" || die "chmod $tmp failed"
	chown _apt "$tmp/debs" || die "chown _apt $tmp/debs failed"
fi

first_error() {
	grep -E '^[EW]:' "$1" | head -n 1
}

apt-get -q update >"$tmp/update.log" 2>&1
rc=$?
if grep -q NO_PUBKEY "$tmp/update.log"; then
	die "$SUITE's Release is signed by a key missing from $KEYRING: upgrade debian-archive-keyring"
fi

# The candidate libmbedtls-dev, then the libmbed* libraries it needs.
apt-cache show --no-all-versions libmbedtls-dev >"$tmp/dev" 2>"$tmp/show.log"
version=$(sed -n 's/^Version: //p' "$tmp/dev" | head -n 1)
if [ -z "$version" ]; then
	err=$(first_error "$tmp/update.log")
	if [ $rc -ne 0 ] || [ -n "$err" ]; then
		die "apt-get update for $SUITE failed: $err"
	fi
	die "libmbedtls-dev not found in $SUITE ($(tr '\n' ' ' <"$tmp/entries"))"
fi
dpkg --compare-versions "$version" ge 3.6 ||
	die "$SUITE's libmbedtls-dev is $version, not 3.6 or later"

pkgs=libmbedtls-dev
todo=libmbedtls-dev
while [ -n "$todo" ]; do
	next=
	for p in $todo; do
		for d in $(apt-cache show --no-all-versions "$p" 2>/dev/null |
			sed -n 's/^Depends: //p' | tr ',' '\n' | tr '|' '\n' |
			sed -n 's/^[ 	]*\(libmbed[a-z0-9.+-]*\).*/\1/p'); do
			case " $pkgs " in
			*" $d "*) ;;
			*)
				pkgs="$pkgs $d"
				next="$next $d"
				;;
			esac
		done
	done
	todo=$next
done

set --
for p in $pkgs; do
	set -- "$@" "$p=$version"
done
(cd "$tmp/debs" && apt-get -q download "$@") >"$tmp/download.log" 2>&1 ||
	die "apt-get download $* failed: $(first_error "$tmp/download.log")"

for deb in "$tmp"/debs/*.deb; do
	[ -f "$deb" ] || die "apt-get download left no .deb"
	dpkg-deb -x "$deb" "$dir" 2>"$tmp/x.log" ||
		die "dpkg-deb -x ${deb##*/} $dir failed: $(head -n 1 "$tmp/x.log")"
done

# DIR/lib: the directory that holds libmbedtls.so (usr/lib/<multiarch>).
so=$(cd "$dir" && find usr/lib -name libmbedtls.so 2>/dev/null | head -n 1)
[ -n "$so" ] || die "no libmbedtls.so under $dir/usr/lib"
[ -d "$dir/usr/include/mbedtls" ] || die "no usr/include/mbedtls under $dir"
for link in lib:"${so%/libmbedtls.so}" include:usr/include; do
	name=${link%%:*}
	target=${link#*:}
	rm -f "$dir/$name" 2>/dev/null || die "unable to replace $dir/$name"
	ln -s "$target" "$dir/$name" 2>/dev/null || die "unable to link $dir/$name to $target"
done

[ "$(header_version "$dir")" -ge $((MINVER)) ] ||
	die "$dir/include holds no mbedTLS 3.6 headers after unpacking"
printf 'mbedtls36.sh: mbedTLS %s (%s) unpacked into %s\n' "$version" "$pkgs" "$dir"
