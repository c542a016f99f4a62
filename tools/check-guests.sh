#!/usr/bin/env bash
# Rebuilds the example guests from guest/ into a temporary folder and checks that each behaves
# exactly like the committed ELF in guest/bin: same stdout, guest stderr, exit status and
# public values. (Cycle counts may differ with another compiler version, so the summary lines
# are left out of the comparison.) Usage: tools/check-guests.sh [path/to/tessera]
set -euo pipefail
cd "$(dirname "$0")/.."
tessera=${1:-target/debug/tessera}

if ! command -v mipsel-linux-gnu-gcc >/dev/null; then
    echo "check-guests: mipsel-linux-gnu-gcc not installed; skipping the rebuild check"
    exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -C guest OUT="$out" >/dev/null

pairs="fibonacci:fibonacci.bin sha256:message.txt keccak:message.txt sort:sort.bin io:name.txt precompiles:message.txt"
checked=0
for pair in $pairs; do
    name=${pair%%:*}
    input=guest/inputs/${pair##*:}
    for which in committed rebuilt; do
        elf=guest/bin/$name.elf
        [ "$which" = rebuilt ] && elf=$out/$name.elf
        status=0
        "$tessera" run "$elf" --stdin "$input" --public-values "$out/$name.$which.pv" \
            >"$out/$name.$which.out" 2>"$out/$name.$which.log" || status=$?
        grep -v '^tessera: ' "$out/$name.$which.log" >"$out/$name.$which.err" || true
        echo "$status" >>"$out/$name.$which.out"
    done
    for ext in out err pv; do
        if ! cmp -s "$out/$name.committed.$ext" "$out/$name.rebuilt.$ext"; then
            echo "check-guests: $name: the rebuilt ELF differs from guest/bin/$name.elf ($ext):"
            diff "$out/$name.committed.$ext" "$out/$name.rebuilt.$ext" | head -20 || true
            exit 1
        fi
    done
    checked=$((checked + 1))
done
echo "check-guests: $checked rebuilt guests behave like the committed ones"
