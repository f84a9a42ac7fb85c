package io.jqvm.config;

import io.jqvm.config.model.VmSpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Helpers that parse command lines and files in a scratch working directory. */
final class Configs {
    private Configs() {
    }

    /** Parses the arguments as a command line, with {@code cwd} as working directory. */
    static VmSpec args(Path cwd, String... args) {
        return QvmConf.parse(List.of(args), cwd);
    }

    /** Writes {@code text} to {@code name} in {@code cwd} and parses {@code @name}. */
    static VmSpec file(Path cwd, String name, String text) {
        write(cwd, name, text);
        return QvmConf.parse(List.of("@" + name), cwd);
    }

    static void write(Path cwd, String name, String text) {
        try {
            Path path = cwd.resolve(name);
            Files.createDirectories(path.getParent());
            Files.writeString(path, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts that parsing the arguments fails with exactly {@code message}. */
    static void failsWith(Path cwd, String message, String... args) {
        ConfigException e = assertThrows(ConfigException.class, () -> args(cwd, args));
        assertEquals(message, e.getMessage());
        assertEquals(65, e.status().code());
    }

    /** Asserts that parsing {@code text} as file {@code c.conf} fails with exactly {@code message}. */
    static void fileFailsWith(Path cwd, String message, String text) {
        ConfigException e = assertThrows(ConfigException.class, () -> file(cwd, "c.conf", text));
        assertEquals(message, e.getMessage());
    }
}
