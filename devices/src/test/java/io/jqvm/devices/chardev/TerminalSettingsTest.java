package io.jqvm.devices.chardev;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.host.Libc;
import io.jqvm.host.Terminal;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Terminal} on a real pseudo-terminal: raw mode differs from the settings before, and they come back exactly. */
class TerminalSettingsTest {
    @Test
    void rawModeAppliesAndTheSettingsBeforeComeBack() {
        try (Pty pty = new Pty()) {
            int fd = Libc.open(pty.slavePath(), Libc.O_RDWR | 0x100 /* O_NOCTTY */);
            try {
                Terminal before = Terminal.of(fd).orElseThrow();
                before.raw().apply();
                Terminal during = Terminal.of(fd).orElseThrow();
                assertFalse(during.sameAs(before));
                assertTrue(during.sameAs(before.raw()));
                before.apply();
                assertTrue(Terminal.of(fd).orElseThrow().sameAs(before));
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Test
    void aPtyLineIsASerialLineWhoseOutputIsNotProcessed() {
        try (Pty pty = new Pty()) {
            int fd = Libc.open(pty.slavePath(), Libc.O_RDWR | 0x100 /* O_NOCTTY */);
            try {
                Terminal line = Terminal.of(fd).orElseThrow();
                assertTrue(line.sameAs(line.serialLine()), "a new pty line is already a raw serial line");
                assertFalse(line.sameAs(line.raw()), "console raw mode keeps output processing, a serial line does not");
                line.raw().apply();
                assertTrue(Terminal.of(fd).orElseThrow().serialLine().sameAs(line));
            } finally {
                Libc.close(fd);
            }
        }
    }

    @Test
    void aFileIsNoTerminal(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        int fd = Libc.open(file.toString(), Libc.O_RDONLY);
        try {
            assertTrue(Terminal.of(fd).isEmpty());
        } finally {
            Libc.close(fd);
        }
    }
}
