# Shared by ./jqvm and an installed jqvm's bin/jqvm (the release archive ships it as lib/start-jvm.sh):
# the JVM's flags and its ahead-of-time cache. One home for both, so a checkout and an install start alike.
#
# jqvm_start_jvm JAVA JAR CACHE_DIR [jqvm arguments...]   execs the JVM (its pid is jqvm's).
#
# The AOT cache (JDK 25, JEPs 483/514/515) holds the classes a VM's start loads and links, already parsed,
# and their profiles: it halves the start-up's CPU time. It is built from a training run
# (io.jqvm.cli.AotTraining), never from the user's own run, whose stdout is a guest console: the JVM
# prints its AOT messages on stdout. $JQVM_AOT chooses:
#   auto (default)  use the cache; when it is missing, train one in the background for the next start
#   sync            when it is missing, train it now (benchmarks: no training competes with a timed run)
#   off             never use or build one
# The cache is named by a hash of the JVM's flags and the paths of the jar and the JVM, and used only while it
# is newer than both (a rebuilt jar or an updated JDK trains a new one); it is written under a temporary name and
# renamed into place, and trained by one process at a time (flock).
#
# Every start runs this, so it starts no process: each costs ~10 ms on a busy or virtualised host, and ./jqvm
# with the stat/cksum/cut pipeline this replaced took 170 ms before the JVM started, 58 ms after (bench/README.md).

# Flags of every run, the training run included (the cache only serves a JVM started like the one that made it).
#   -Xlog, -XX:+DisplayVMOutputToStderr: the JVM's warnings and errors (a bad JQVM_JAVA_OPTS, say) go to
#     stderr, the log; by default they go to stdout, the guest console.
#   -XX:+UseSerialGC: a VMM allocates little; Serial starts faster than G1 and keeps less resident.
#     Left out when JQVM_JAVA_OPTS chooses a collector (the JVM refuses two).
#   -Xms32m: the default initial heap (1/64 of host RAM) lets the young generation grow to hundreds of
#     MiB, all of it resident once touched; a small start keeps the footprint small.
#   -XX:-UsePerfData: no /tmp/hsperfdata file to create and keep mapped.
#   -XX:PerMethodTrapLimit=0: C2 compiles every branch instead of trapping on those its profile never saw; the
#     soft CPU's dispatch method otherwise deoptimizes and recompiles (0.2-0.8 s of C2 each) whenever the guest
#     reaches an instruction class it had not yet run: 10 compiles of it in a Debian boot, 2-4 with the flag
#     (cpu-a64/README.md, "Measured").
#   CompileThresholdScaling 10 for the soft CPU's compiled regions (hidden classes io.jqvm.cpu.a64.Region_*):
#     HotSpot's C2 then compiles only the regions that stay hot, rather than each of the ~100 a Debian boot makes
#     (compiling them was most of C2's CPU time); in five alternating pairs of Debian boots to /init on 2 vCPUs it
#     saved 0.1-7.7 s of process CPU, and bench/cpu's guest is unchanged (cpu-a64/README.md, "Measured").
#     "quiet": the JVM would otherwise print the command on stdout, the guest console.
#   --enable-native-access: the jars run on the module path, each an automatic module named by its manifest's
#     Automatic-Module-Name (jqvm.jar is io.jqvm.cli, ALL-DEFAULT the JDK modules a class path would see), so
#     native access (JEP 472) goes only to the modules that make restricted calls; scripts/check-native-access.sh
#     checks this list against jnativescan. A restricted call from any other module warns, not fails: with JDK 25's
#     --illegal-native-access=deny the AOT cache no longer holds the named modules' lambdas (+0.2-0.3 s of CPU per
#     start); that check and ReleaseArchiveTest, which runs a VM under deny, keep the list right instead.
jqvm_native_access_modules=io.jqvm.host
jqvm_jvm_flags=(--enable-native-access=$jqvm_native_access_modules --add-modules=ALL-DEFAULT,ALL-MODULE-PATH -Xlog:disable -Xlog:all=warning:stderr -XX:+DisplayVMOutputToStderr
    -Xms32m -XX:-UsePerfData -XX:PerMethodTrapLimit=0
    -XX:CompileCommand=quiet '-XX:CompileCommand=CompileThresholdScaling,io.jqvm.cpu.a64.Region_*::run,10.0')
case " ${JQVM_JAVA_OPTS:-} " in
  *" -XX:+Use"*GC" "*) ;;
  *) jqvm_jvm_flags+=(-XX:+UseSerialGC) ;;
esac

jqvm_start_jvm() {
  local java=$1 jar=$2 cache_dir=$3
  shift 3
  local aot=()
  case "${JQVM_AOT:-auto}" in
    off) ;;
    auto | sync)
      local cache libjvm=${java%/bin/*}/lib/server/libjvm.so
      jqvm_hash "${jqvm_jvm_flags[*]}"$'\n'"$jar"$'\n'"$java"
      cache="$cache_dir/jqvm-$REPLY.aot"
      if ! jqvm_newer "$cache" "$jar" "$libjvm" && ! jqvm_newer "$cache.failed" "$jar" "$libjvm" &&
          mkdir -p "$cache_dir" 2>/dev/null; then
        if [ "${JQVM_AOT:-auto}" = sync ]; then
          echo "jqvm: building the start-up cache (once per build; log in $cache.log)..." >&2
          jqvm_train_aot_cache wait "$java" "$jar" "$cache" || true
        else # detached from the terminal and from jqvm's output, so nobody waits for it
          (jqvm_train_aot_cache nonblock "$java" "$jar" "$cache" &) </dev/null >/dev/null 2>&1
        fi
      fi
      if jqvm_newer "$cache" "$jar" "$libjvm"; then aot=(-XX:AOTCache="$cache"); fi
      ;;
    *) echo "jqvm: JQVM_AOT must be auto, sync or off, not '$JQVM_AOT'" >&2; exit 64 ;;
  esac
  # shellcheck disable=SC2086 # JQVM_JAVA_OPTS is a list of JVM options, split on blanks
  exec "$java" "${jqvm_jvm_flags[@]}" "${aot[@]}" ${JQVM_JAVA_OPTS:-} -p "$jar:$(dirname "$jar")/lib" -m io.jqvm.cli "$@"
}

# jqvm_newer FILE OTHER...: FILE exists and is newer than each OTHER that exists.
jqvm_newer() {
  local file=$1 other
  [ -f "$file" ] || return 1
  shift
  for other; do
    if [ -e "$other" ] && ! [ "$file" -nt "$other" ]; then return 1; fi
  done
}

# jqvm_hash TEXT: sets REPLY to TEXT's 32-bit FNV-1a hash, in decimal (a few ms of bash, no cksum process).
jqvm_hash() {
  local text=$1 i code hash=2166136261 LC_ALL=C
  for ((i = 0; i < ${#text}; i++)); do
    printf -v code '%d' "'${text:i:1}"
    hash=$(( ((hash ^ code) * 16777619) & 0xffffffff ))
  done
  REPLY=$hash
}

# jqvm_train_aot_cache wait|nonblock JAVA JAR CACHE: trains CACHE, after the process training it now
# (wait) or unless one is (nonblock). On failure leaves CACHE.failed, so no later start retries (and pays
# for) a training that cannot work, until the jar or the JVM changes.
jqvm_train_aot_cache() {
  local java=$2 jar=$3 cache=$4 nonblock=()
  if [ "$1" = nonblock ]; then nonblock=(-n); fi
  flock "${nonblock[@]}" "$cache.lock" bash -c '
    java=$1 jar=$2 cache=$3; shift 3
    [ -f "$cache" ] && [ "$cache" -nt "$jar" ] && exit 0   # trained while this one waited for the lock
    rm -f "$cache".*.tmp "$cache".*.tmp.config "$cache.failed"   # left by a killed or an older training
    tmp="$cache.$$.tmp"
    if nice -n 10 "$java" "$@" -XX:AOTCacheOutput="$tmp" -p "$jar:$(dirname "$jar")/lib" -m io.jqvm.cli/io.jqvm.cli.AotTraining >"$cache.log" 2>&1 &&
        [ -f "$tmp" ]; then
      mv -f "$tmp" "$cache"
      # caches of older jars or JVMs in this directory
      find "$(dirname "$cache")" -maxdepth 1 -name "jqvm-*.aot*" ! -name "$(basename "$cache")*" -delete
    else
      rm -f "$tmp"
      : >"$cache.failed"
    fi' jqvm-aot "$java" "$jar" "$cache" "${jqvm_jvm_flags[@]}"
}
