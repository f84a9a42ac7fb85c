#!/usr/bin/env bash
# Runs corpus programs under qemu-system-aarch64 the way the differential tests do, three times each,
# and fails when a run times out, exits non-zero, misses the final PSCI SYSTEM_OFF line, reports an
# unexpected exception or differs from the first run. Usage: run-under-qemu.sh [-v] [name...]   (default: the whole corpus)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${OUT:-$here/../target/aarch64}
verbose=0
if [[ ${1:-} == -v ]]; then verbose=1; shift; fi
names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
    names=(hello int-alu addressing fp-scalar simd exceptions mmu timer gic psci devices)
fi
run() {
    timeout 30 qemu-system-aarch64 -M virt -cpu cortex-a57 -smp 2 -m 256 -nographic -no-reboot \
        -monitor none -serial stdio -kernel "$1" </dev/null
}
failed=0
for name in "${names[@]}"; do
    elf=$out/$name.elf
    first=$(run "$elf"); status=$?
    if [[ $verbose -eq 1 ]]; then printf '%s\n' "$first"; fi
    verdict=ok
    if [[ $status -ne 0 ]]; then verdict="exit status $status"
    elif [[ $(printf '%s' "$first" | tail -n 1 | tr -d '\r') != "PSCI SYSTEM_OFF" ]]; then verdict="no SYSTEM_OFF at the end"
    elif grep -q "UNEXPECTED EXCEPTION" <<<"$first"; then verdict="unexpected exception"
    else
        for _ in 2 3; do
            again=$(run "$elf")
            if [[ "$again" != "$first" ]]; then verdict="output differs between runs"; break; fi
        done
    fi
    printf '%-12s %4d lines  %s\n' "$name" "$(printf '%s\n' "$first" | wc -l)" "$verdict"
    [[ $verdict == ok ]] || failed=1
done
exit $failed
