#!/usr/bin/env bash
# Fetch Netty's tcnative jar for Hono 0.7 into extensions/, the folder that
# "honoctl render --images upstream" binds read-only at /opt/hono/extensions.
#
#   scripts/fetch-tcnative.sh boringssl [DIR]   # netty-tcnative-boringssl-static
#   scripts/fetch-tcnative.sh openssl   [DIR]   # netty-tcnative, linux-x86_64
#   scripts/fetch-tcnative.sh debian    [DIR]   # Debian's tcnative, system OpenSSL 3
#   scripts/fetch-tcnative.sh none      [DIR]   # remove them: the JDK engine
#
# DIR defaults to the repository's extensions/. The version is the one Hono
# 0.7 was built with (bom/pom.xml: netty-tcnative 2.0.10.Final); another
# version may not match the Netty inside Hono's images.
#
# It downloads through Maven ("mvn dependency:copy"), which knows the Maven
# repositories of this machine from ~/.m2/settings.xml. Without Maven, set
# MAVEN_REPOSITORY to the base address of a Maven repository you use; the
# script then fetches the jar and its .sha1 with curl and checks one against
# the other. On a machine without internet it fails after a short timeout.
set -euo pipefail

version=2.0.10.Final
timeout_s=${FETCH_TIMEOUT:-20}

die() { echo "fetch-tcnative: $*" >&2; exit 1; }

variant=${1:-}
dir=${2:-"$(cd "$(dirname "$0")/.." && pwd)/extensions"}

case "$variant" in
boringssl) artifact=netty-tcnative-boringssl-static classifier= ;;
openssl)   artifact=netty-tcnative classifier=linux-x86_64 ;;
debian) ;;
none)
	rm -f "$dir"/netty-tcnative-*.jar "$dir"/libnetty_tcnative*.so
	echo "removed the tcnative jars from $dir: Hono's Java services use the JDK engine"
	exit 0 ;;
*) die "want a variant: boringssl, openssl, debian or none (see extensions/README.md)" ;;
esac

if [ "$variant" = debian ]; then
	command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null ||
		die "the debian variant needs apt-get and dpkg-deb (a Debian machine)"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && timeout "$((timeout_s * 3))" apt-get download -q libnetty-tcnative-java libnetty-tcnative-jni) \
		>"$tmp/apt.log" 2>&1 || {
		tail -n 5 "$tmp/apt.log" >&2
		die "apt-get download libnetty-tcnative-java libnetty-tcnative-jni failed: run apt-get update, or no Debian mirror is reachable"
	}
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
	deb_version=$(dpkg-deb -f "$tmp"/libnetty-tcnative-java_*.deb Version)
	lib=$(find "$tmp/root" -name 'libnetty-tcnative.so' | head -n 1)
	[ -f "$tmp/root/usr/share/java/netty-tcnative.jar" ] && [ -n "$lib" ] ||
		die "the Debian packages hold no netty-tcnative.jar or libnetty-tcnative.so"
	mkdir -p "$dir"
	rm -f "$dir"/netty-tcnative-*.jar "$dir"/libnetty_tcnative*.so
	cp "$tmp/root/usr/share/java/netty-tcnative.jar" "$dir/netty-tcnative-debian-$deb_version.jar"
	cp "$lib" "$dir/libnetty_tcnative.so"
	echo "installed $dir/netty-tcnative-debian-$deb_version.jar and $dir/libnetty_tcnative.so"
	echo "they load where the JVM's java.library.path includes $dir (honoctl lab does this)"
	exit 0
fi

jar="$artifact-$version${classifier:+-$classifier}.jar"
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if command -v mvn >/dev/null; then
	coords="io.netty:$artifact:$version:jar${classifier:+:$classifier}"
	# Maven waits long on an unreachable network; cut it short.
	if ! timeout "$((timeout_s * 3))" mvn -q -B -Dstyle.color=never \
		org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy -Dartifact="$coords" \
		-DoutputDirectory="$tmp" -Dmdep.useBaseVersion=true >"$tmp/mvn.log" 2>&1; then
		tail -n 5 "$tmp/mvn.log" >&2 || true
		die "Maven could not fetch $coords: no internet or no Maven repository reachable from here"
	fi
elif [ -n "${MAVEN_REPOSITORY:-}" ]; then
	command -v curl >/dev/null || die "neither mvn nor curl is installed"
	url="${MAVEN_REPOSITORY%/}/io/netty/$artifact/$version/$jar"
	fetch() { curl -fsSL --connect-timeout "$timeout_s" --max-time "$((timeout_s * 6))" -o "$2" "$1"; }
	fetch "$url" "$tmp/$jar" || die "cannot download $url: no internet, or the repository lacks it"
	fetch "$url.sha1" "$tmp/$jar.sha1" || die "cannot download $url.sha1 to check the jar"
	want=$(cut -c1-40 "$tmp/$jar.sha1")
	got=$(sha1sum "$tmp/$jar" | cut -c1-40)
	[ "$want" = "$got" ] || die "$jar: sha1 $got, the repository says $want: not installed"
else
	die "need Maven (mvn) or MAVEN_REPOSITORY=<base address of a Maven repository> to download $jar"
fi

# One variant at a time: two tcnative jars on the class path compete.
rm -f "$dir"/netty-tcnative-*.jar
mv "$tmp/$jar" "$dir/$jar"
echo "installed $dir/$jar"
echo "next: honoctl render --images upstream --engine SERVICE=openssl (nativeTlsRequired)"
