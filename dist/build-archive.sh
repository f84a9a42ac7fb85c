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

# jdeps warns on stdout about packages it sees twice (a modular jar on the class path and as an argument):
# only its last line is the module list.
modules=$("$jdk/bin/jdeps" --multi-release 25 --ignore-missing-deps --print-module-deps \
    --class-path "$stage/app/lib/*" "$stage/app/jqvm.jar" "$stage/app/lib/"*.jar | tail -n 1)
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
