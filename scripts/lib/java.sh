# Shared by ./jqvm and ./run-tests: finding JDK 25 and building.

# Sets JAVA_HOME to a JDK >= 25: $JAVA_HOME if it is one, else Temurin 25's Debian location, else any
# JDK >= 25 under /usr/lib/jvm.
jqvm_find_java() {
  local candidate version line
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    # The JDK's release file names its version: reading it with bash alone is free, asking java costs 0.2 s of
    # every start (and sed ~10 ms).
    version=
    if [ -r "$candidate/release" ]; then
      while IFS= read -r line; do
        if [[ $line == JAVA_VERSION=\"* ]]; then
          version=${line#JAVA_VERSION=\"}
          version=${version%%[!0-9]*}
          break
        fi
      done <"$candidate/release"
    fi
    if [ -n "$version" ] && [ "$version" -ge 25 ]; then
      export JAVA_HOME="$candidate"
      return 0
    fi
  done
  echo "jqvm: needs a JDK 25 or newer (looked at \$JAVA_HOME and /usr/lib/jvm); install one, e.g. Temurin 25" >&2
  exit 64
}

# Builds cli/target/jqvm.jar (and the demo guest it bundles) quietly; shows the build log on failure.
jqvm_build_launcher_jar() {
  local log="$repo/target/jqvm-build.log"
  mkdir -p "$repo/target"
  echo "jqvm: building (first use or sources changed; log in target/jqvm-build.log)..." >&2
  if ! (cd "$repo" && mvn -B -q -DskipTests -Dguests.targets=x86 -pl cli -am package >"$log" 2>&1); then
    tail -n 40 "$log" >&2
    echo "jqvm: build failed; full log in $log" >&2
    exit 64
  fi
  # Maven keeps an up-to-date jar untouched; mark it current so the next start does not build again.
  touch "$repo/cli/target/jqvm.jar"
}
