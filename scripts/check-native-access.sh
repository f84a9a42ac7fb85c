#!/usr/bin/env bash
# Checks that only the modules meant to reach native code make restricted FFM calls: host (libc) and
# accel-kvm (KVM). jnativescan lists every jar on jqvm's run-time class path that does.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/lib/java.sh"
jqvm_find_java
jars=$(ls "$repo"/cli/target/lib/*.jar "$repo"/cli/target/jqvm.jar | tr '\n' ':')
native=$("$JAVA_HOME/bin/jnativescan" --class-path "$jars" | sed -n 's|^.*/\(jqvm-[a-z0-9-]*\)-[0-9][^/]*\.jar .*|\1|p' | sort -u)
allowed="jqvm-accel-kvm jqvm-host"
for module in $native; do
  if [[ " $allowed " != *" $module "* ]]; then
    echo "check-native-access: $module makes restricted (native) calls; only $allowed may" >&2
    exit 1
  fi
done
echo "check-native-access: restricted calls only in: ${native:-none}"
