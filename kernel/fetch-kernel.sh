#!/usr/bin/env bash
# fetch-kernel.sh -- fetch a Debian kernel image into kernel/cache/ and print its vmlinuz path.
#
# Usage: kernel/fetch-kernel.sh VERSION      (a version of kernel/kernels.tsv, e.g. 6.16.12)
#        kernel/fetch-kernel.sh --preset VERSION   (print the model preset of that kernel)
#        kernel/fetch-kernel.sh --list             (the versions kernel/kernels.tsv knows)
#
# The machine's own apt sources stay as they are: the package is found through a private apt
# state under kernel/cache/apt (its own sources file naming the line's suite on the Debian
# mirror the machine uses, its own lists and cache), downloaded with `apt-get download` and
# unpacked with `dpkg-deb -x` into kernel/cache/x/PACKAGE/. kernel/cache/ is git-ignored; a
# second call finds the unpacked image and fetches nothing.
# Exit status: 0, or 2 with one line on stderr (unknown version, download failed, no vmlinuz).
set -euo pipefail
KDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KERNEL_CACHE:-$KDIR/cache}
TABLE=$KDIR/kernels.tsv
die() { echo "fetch-kernel.sh: $*" >&2; exit 2; }

row() { awk -F'\t' -v v="$1" '$1 == v && substr($1, 1, 1) != "#" { print; exit }' "$TABLE"; }
case ${1:-} in
--list) awk -F'\t' 'substr($1, 1, 1) != "#" && NF >= 5 { print $1 "\t" $5 }' "$TABLE"; exit 0 ;;
--preset)
	r=$(row "${2:-}"); [ -n "$r" ] || die "unknown kernel '${2:-}' (known: $(awk -F'\t' 'substr($1,1,1) != "#" { printf "%s ", $1 }' "$TABLE"))"
	cut -f5 <<<"$r"; exit 0 ;;
'' | -*) die "usage: $0 VERSION | --preset VERSION | --list" ;;
esac
VERSION=$1
r=$(row "$VERSION")
[ -n "$r" ] || die "unknown kernel '$VERSION' (known: $(awk -F'\t' 'substr($1,1,1) != "#" { printf "%s ", $1 }' "$TABLE")); add a line to kernel/kernels.tsv"
IFS=$'\t' read -r _ PKG DEBVER SUITE _ <<<"$r"

find_vmlinuz() {
	[ -d "$CACHE/x/$PKG" ] || return 0
	find "$CACHE/x/$PKG" \( -path '*/boot/vmlinuz-*' -o -path '*/usr/lib/modules/*/vmlinuz' \) -type f | sort | head -n 1
}
V=$(find_vmlinuz)
if [ -z "$V" ]; then
	APT=$CACHE/apt
	mkdir -p "$APT/sources" "$APT/lists/partial" "$APT/cache/archives/partial" "$CACHE/debs" "$CACHE/x"
	: >"$APT/empty.list"
	# the mirror the machine's own sources use (deb.debian.org when none is found)
	MIRROR=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/* *$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	MIRROR=${MIRROR:-http://deb.debian.org/debian}
	URI=$MIRROR
	case $SUITE in *-security) URI=${MIRROR}-security ;; esac
	cat >"$APT/sources/$SUITE.sources" <<SRC
Types: deb
URIs: $URI
Suites: $SUITE
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	A=(-o "Dir::Etc::sourcelist=$APT/empty.list" -o "Dir::Etc::sourceparts=$APT/sources"
		-o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "Dir::State::status=/var/lib/dpkg/status"
		-o "APT::Sandbox::User=root")
	echo "fetch-kernel.sh: $PKG=$DEBVER from $SUITE (private apt state $APT)" >&2
	apt-get "${A[@]}" -q update >&2 || die "apt-get update of the private state failed"
	(cd "$CACHE/debs" && apt-get "${A[@]}" -q download "$PKG=$DEBVER" >&2) || die "apt-get download $PKG=$DEBVER failed"
	DEB=$(ls "$CACHE/debs/${PKG}_"*.deb 2>/dev/null | head -n 1)
	[ -n "$DEB" ] || die "no .deb of $PKG in $CACHE/debs"
	mkdir -p "$CACHE/x/$PKG"
	dpkg-deb -x "$DEB" "$CACHE/x/$PKG"
	V=$(find_vmlinuz)
fi
[ -n "$V" ] || die "$PKG has no vmlinuz (looked under boot/ and usr/lib/modules/*/)"
echo "$V"
