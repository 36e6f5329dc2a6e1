#!/usr/bin/env bash
# record-corpus.sh -- regenerate the real-kernel corpus and record it.
#
# Usage: kernel/record-corpus.sh [outdir]      (default: test/fixtures/kernel)
#
# 1. `pfnmap repro --corpus kernel/corpus` writes one reproducer per scenario
#    of src/repro/corpus.ts (kernel/corpus/<name>.c) and kernel/corpus/boots.txt
#    (which programs share a QEMU boot: a program whose model predicts a
#    WARN_ON_ONCE gets a boot of its own);
# 2. kernel/record.sh runs each boot's programs on Debian's 6.1 kernel under
#    QEMU and writes <outdir>/<name>.ndjson (format: docs/real-kernel.md).
#
# A program that exits 1 (the kernel disagreed with the model somewhere) is
# still a recording (RECORD_ALLOW_MISMATCH=1); `pfnmap conform` tells where.
# Exit status: 0 when every program was recorded, 1 otherwise.
set -euo pipefail
KDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$KDIR")
OUT=${1:-$ROOT/test/fixtures/kernel}
cd "$ROOT"
T0=$EPOCHREALTIME
npx tsx src/cli/main.ts repro --corpus kernel/corpus
mkdir -p "$OUT"
status=0
boot=0
while IFS= read -r line; do
	case $line in '' | '#'*) continue ;; esac
	boot=$((boot + 1))
	files=()
	for n in $line; do files+=("kernel/corpus/$n.c"); done
	echo "record-corpus.sh: boot $boot: ${#files[@]} program(s)" >&2
	RECORD_ALLOW_MISMATCH=1 "$KDIR/record.sh" -o "$OUT" "${files[@]}" || status=1
done <kernel/corpus/boots.txt
awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "record-corpus.sh: %d boot(s), %.1fs\n", '"$boot"', b - a }' >&2
exit $status
