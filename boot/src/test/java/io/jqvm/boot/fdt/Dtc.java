package io.jqvm.boot.fdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The device-tree compiler as an independent judge of the blobs: a missing dtc fails the test. */
final class Dtc {
    record Result(String source, String warnings) {
    }

    private Dtc() {
    }

    static Result run(byte[] blob, String... formatArgs) {
        try {
            Path in = Files.createTempFile("jqvm-fdt", ".dtb");
            Path err = Files.createTempFile("jqvm-dtc", ".err");
            try {
                Files.write(in, blob);
                String[] cmd = new String[formatArgs.length + 2];
                cmd[0] = "dtc";
                System.arraycopy(formatArgs, 0, cmd, 1, formatArgs.length);
                cmd[cmd.length - 1] = in.toString();
                Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int status = p.waitFor();
                String warnings = Files.readString(err);
                assertEquals(0, status, "dtc failed: " + warnings);
                return new Result(out, warnings);
            } finally {
                Files.deleteIfExists(in);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            return fail("dtc (package device-tree-compiler) must be installed to check device trees: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running dtc");
        }
    }

    static String decompile(byte[] blob) {
        return run(blob, "-I", "dtb", "-O", "dts").source();
    }

    /** Compiles device-tree source to a blob, for reader tests independent of our writer. */
    static byte[] compile(String source) {
        try {
            Path in = Files.createTempFile("jqvm-fdt", ".dts");
            try {
                Files.writeString(in, source);
                Process p = new ProcessBuilder("dtc", "-I", "dts", "-O", "dtb", in.toString()).redirectErrorStream(false).start();
                byte[] out = p.getInputStream().readAllBytes();
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), "dtc failed: " + err);
                return out;
            } finally {
                Files.deleteIfExists(in);
            }
        } catch (IOException e) {
            return fail("dtc (package device-tree-compiler) must be installed to check device trees: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running dtc");
        }
    }
}
