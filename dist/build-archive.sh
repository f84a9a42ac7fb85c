#!/usr/bin/env bash
# Builds the release archive jqvm-<version>-linux-x86_64.tar.gz from the built modules (run by this
# module's package phase): a jlink-ed Java runtime with only the JDK modules jqvm uses, the jars, the
# launcher, the example boards and the demo guests. Reproducible: every entry has the build's
# outputTimestamp as its time, root as owner, normalised permissions, and the entries are sorted;
# gzip stores no name or time. Guests are stripped of debug information, which names the build directory.
#
# usage: build-archive.sh REPO JDK VERSION OUTPUT_TIMESTAMP OUT_DIR
set -euo pipefail
repo=$1 jdk=$2 version=$3 timestamp=$4 out=$5
name="jqvm-$version"
stage="$out/archive/$name"
rm -rf "$out/archive"
mkdir -p "$stage/bin" "$stage/lib" "$stage/app/lib" "$stage/examples" "$stage/guests/x86" "$stage/guests/aarch64"

cp "$repo/dist/src/bin/jqvm" "$stage/bin/"
cp "$repo/scripts/lib/start-jvm.sh" "$stage/lib/"
cp "$repo/dist/src/README.md" "$stage/"
cp "$repo/cli/target/jqvm.jar" "$stage/app/"
cp "$repo/cli/target/lib/"*.jar "$stage/app/lib/"
cp "$repo/examples/"*.qvmconf "$stage/examples/"
strip --strip-debug -o "$stage/guests/x86/hello.elf" "$repo/guests/target/x86/hello.elf"
aarch64-linux-gnu-strip --strip-debug -o "$stage/guests/aarch64/hello.elf" "$repo/guests/target/aarch64/hello.elf"

# The JDK modules the runtime needs: those jqvm's own classes use (jdeps; it warns on stdout about packages it
# sees twice, so only its last line is the list), and those the libraries' module descriptors require, as the
# JVM resolves them for jqvm's module path. jdeps over the libraries would add what they require only `static`
# (optional: Jetty's JMX, java.beans and java.sql, Gson's java.sql), i.e. java.desktop, java.management and
# java.sql, which no jqvm run loads (the archive shrank from 49 to 33 MB without them). ReleaseArchiveTest runs the control API,
# the metrics file and the gdb stub on this runtime, so a module missing here fails a test.
own=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --no-recursive --print-module-deps \
    --class-path "$stage/app/lib/*" "$stage/app/jqvm.jar" "$stage/app/lib/"jqvm-*.jar | tail -n 1)
required=$("$jdk/bin/java" -p "$stage/app/jqvm.jar:$stage/app/lib" --add-modules ALL-MODULE-PATH \
    --show-module-resolution --dry-run -m io.jqvm.cli | awk '$2 == "requires" && $1 !~ /^(java|jdk)\./ && $3 ~ /^(java|jdk)\./ {print $3}')
modules=$(tr ',' '\n' <<<"$own" | cat - <(printf '%s\n' "$required") | sort -u | paste -sd,)
# --generate-cds-archive: the JDK's default class-data archive for the runtime, so even a start without
# jqvm's AOT cache maps the JDK's classes instead of parsing them (deterministic: two builds, one archive).
if ! "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=zip-6 \
        --generate-cds-archive --output "$stage/runtime" >"$out/jlink.log" 2>&1; then
  cat "$out/jlink.log" >&2
  exit 1
fi

archive="$out/$name-linux-x86_64.tar.gz"
tar --sort=name --format=gnu --mtime="$timestamp" --owner=0 --group=0 --numeric-owner \
    --mode='u+rwX,go+rX,go-w' -C "$out/archive" -cf - "$name" | gzip -9n >"$archive.tmp"
mv -f "$archive.tmp" "$archive"
echo "release archive: $archive ($(du -k "$archive" | cut -f1) KiB; JDK modules: $modules)"
