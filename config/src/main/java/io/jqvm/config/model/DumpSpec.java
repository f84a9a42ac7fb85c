package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.nio.file.Path;

/** Where {@code dump} sends a guest core: a directory, or a host shell command ({@code "|cmd"}). */
public sealed interface DumpSpec {
    Origin origin();

    record Directory(Path path, Origin origin) implements DumpSpec {
    }

    /** The command without the leading {@code |}. */
    record Pipe(String command, Origin origin) implements DumpSpec {
    }
}
