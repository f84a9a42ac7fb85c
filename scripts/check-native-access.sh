#!/usr/bin/env bash
# Checks that jqvm's launcher grants native access (JEP 472) to exactly the modules that make restricted FFM
# calls: jnativescan lists those on jqvm's run-time module path (cli/target/jqvm.jar and its lib/, the release
# archive's app/ alike), and scripts/lib/start-jvm.sh's jqvm_native_access_modules must be that list.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$repo/scripts/lib/java.sh"
jqvm_find_java
source "$repo/scripts/lib/start-jvm.sh"
found=$("$JAVA_HOME/bin/jnativescan" --module-path "$repo/cli/target/jqvm.jar:$repo/cli/target/lib" \
    --add-modules ALL-MODULE-PATH --print-native-access | tr ',' '\n' | sort | paste -sd,)
granted=$(tr ',' '\n' <<<"$jqvm_native_access_modules" | sort | paste -sd,)
if [ "$found" != "$granted" ]; then
  echo "check-native-access: jnativescan finds restricted calls in '${found}', but scripts/lib/start-jvm.sh grants" \
      "native access to '${granted}' (jqvm_native_access_modules): make them equal" >&2
  exit 1
fi
echo "check-native-access: restricted calls only in $found, which the launcher grants native access"
