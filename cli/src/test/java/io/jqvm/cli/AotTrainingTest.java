package io.jqvm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class AotTrainingTest {
    @Test
    @Timeout(120) // a wrong image would spin in the guest rather than fail
    void powerOffImageBootsOnTheSoftCpuAndEndsTheVmNormally(@TempDir Path dir) throws Exception {
        // The example board without its stdin reader, whose thread would keep this test's JVM alive.
        Path example = Main.DemoGuest.extract(dir, "arm64-virt.qvmconf");
        Path board = Files.writeString(dir.resolve("board.qvmconf"),
                Files.readString(example).replace(" hostdev <-", ""));
        Path image = Files.write(dir.resolve("off.Image"), Arm64DemoImage.powerOff());
        assertEquals(0, Main.run(List.of("@" + board, "load", image.toString())));
    }

    @Test
    @Timeout(120)
    void withoutKvmTheDemoIsAnAarch64HelloOnTheSoftCpu(@TempDir Path dir) throws Exception {
        List<String> demo = Main.DemoGuest.arguments(dir, false);
        // The bundled board with its console in a file and without its stdin reader (whose thread would keep
        // this test's JVM alive).
        Path board = Path.of(demo.getFirst().substring(1));
        Path console = dir.resolve("console");
        Files.writeString(board, Files.readString(board).replace(" hostdev >- hostdev <-", " hostdev >" + console));
        assertEquals(0, Main.run(demo));
        String printed = Files.readString(console);
        assertTrue(printed.contains("jqvm demo: hello from an AArch64 guest"), printed);
    }

    @Test
    void bothExampleBoardsAreBundledForTheDryruns(@TempDir Path dir) throws Exception {
        for (String board : List.of("x86-pc.qvmconf", "arm64-virt.qvmconf")) {
            assertEquals(0, Main.run(List.of("@" + Main.DemoGuest.extract(dir, board), "dryrun")), board);
        }
    }

    @Test
    void versionNamesTheJavaRuntime() {
        assertTrue(Main.version().startsWith("jqvm "), Main.version());
        assertTrue(Main.version().endsWith("(Java " + Runtime.version() + ")"), Main.version());
    }
}
