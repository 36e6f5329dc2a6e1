#!/usr/bin/env bash
# record-corpus.sh -- regenerate the real-kernel corpus and record it on one kernel.
#
# Usage: kernel/record-corpus.sh [--kernel VERSION] [--design D] [outdir]
#        (npm run kernel:record -- --kernel 6.16.12)
#
# VERSION is a kernel of kernel/kernels.tsv (default 6.1.192); outdir defaults to
# test/fixtures/kernel/VERSION; D (the model design the programs' predictions come from and
# their recordings are judged against) defaults to the kernel's preset in kernels.tsv.
#
# 1. `pfnmap repro --corpus kernel/corpus --design D` writes one reproducer per scenario of
#    src/repro/corpus.ts (kernel/corpus/<name>.c) and kernel/corpus/boots.txt (which programs
#    share a QEMU boot: a program whose model predicts a WARN_ON_ONCE gets a boot of its own);
# 2. kernel/record.sh -k VERSION fetches the kernel (kernel/fetch-kernel.sh, a private apt
#    state, cached in kernel/cache/), runs each boot's programs on it under QEMU and writes
#    <outdir>/<name>.ndjson (format: docs/real-kernel.md).
#
# A program that exits 1 (the kernel disagreed with the model somewhere) is still a
# recording (RECORD_ALLOW_MISMATCH=1); `pfnmap conform` tells where.
# Exit status: 0 when every program was recorded, 1 otherwise, 2 on usage errors.
set -euo pipefail
KDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$KDIR")
KERNEL=6.1.192
DESIGN=
OUT=
usage() { echo "usage: $0 [--kernel VERSION] [--design D] [outdir]" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) [ $# -ge 2 ] || usage; KERNEL=$2; shift 2 ;;
	--kernel=*) KERNEL=${1#--kernel=}; shift ;;
	--design) [ $# -ge 2 ] || usage; DESIGN=$2; shift 2 ;;
	--design=*) DESIGN=${1#--design=}; shift ;;
	-h | --help) usage ;;
	-*) echo "record-corpus.sh: unknown option $1" >&2; usage ;;
	*) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
	esac
done
[ -n "$DESIGN" ] || DESIGN=$("$KDIR/fetch-kernel.sh" --preset "$KERNEL") || exit 2
OUT=${OUT:-$ROOT/test/fixtures/kernel/$KERNEL}
cd "$ROOT"
T0=$EPOCHREALTIME
"$KDIR/fetch-kernel.sh" "$KERNEL" >/dev/null || exit 2
rm -rf kernel/corpus/*.c
npx tsx src/cli/main.ts repro --corpus kernel/corpus --design "$DESIGN"
mkdir -p "$OUT"
status=0
boot=0
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	boot=$((boot + 1))
	files=()
	for n in $line; do files+=("kernel/corpus/$n.c"); done
	echo "record-corpus.sh: kernel $KERNEL, boot $boot: ${#files[@]} program(s)" >&2
	# about a second per program under TCG on a loaded machine, with room to spare
	RECORD_TIMEOUT=${RECORD_TIMEOUT:-$((60 + 3 * ${#files[@]}))} RECORD_ALLOW_MISMATCH=1 \
		"$KDIR/record.sh" -k "$KERNEL" -o "$OUT" "${files[@]}" || status=1
done <kernel/corpus/boots.txt
awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "record-corpus.sh: %d boot(s), %.1fs\n", '"$boot"', b - a }' >&2
exit $status
