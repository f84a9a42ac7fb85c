package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.testkit.Command;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README's "Embedding jqvm in Java" example, taken from README.md as it is, compiles and runs its guest. */
class ReadmeExampleTest {
    private static final String SECTION = "## Embedding jqvm in Java";

    @Test
    void theReadmeExampleCompilesAndRunsTheGuest(@TempDir Path dir) throws Exception {
        String readme = Files.readString(Command.repo().resolve("README.md"));
        int section = readme.indexOf(SECTION);
        assertTrue(section >= 0, "README.md has no section " + SECTION);
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        String source = readme.substring(start, readme.indexOf("```", start));
        Path file = Files.writeString(dir.resolve("HelloVm.java"), source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int status = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
                "-d", dir.toString(), file.toString());
        assertEquals(0, status, diagnostics::toString);

        // The example's paths are relative to the repository's root, where the README says to run it (this
        // module's tests run there: see its pom).
        String out = runMain(dir);
        assertTrue(out.contains("guest: Hello from AArch64\n"), out);
        assertTrue(out.endsWith("status 0 (NORMAL): guest requested PSCI SYSTEM_OFF\n"), out);
    }

    /** Runs {@code HelloVm.main} with {@code System.out} captured (the example prints there; the test owns it). */
    private static String runMain(Path classes) throws Exception {
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            Method main = loader.loadClass("HelloVm").getMethod("main", String[].class);
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            main.invoke(null, (Object) List.of().toArray(new String[0]));
        } finally {
            System.setOut(stdout);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
