package io.jqvm.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A log line written while the guest's console line is unfinished starts on a line of its own. */
class TerminalLineTest {
    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final Log.Sink log = Log.stream(new PrintStream(screen, true, StandardCharsets.UTF_8));

    @AfterEach
    void stopSharing() {
        TerminalLine.shared(false);
    }

    private void guest(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        screen.writeBytes(b);
        TerminalLine.wrote(b, b.length);
    }

    @Test
    void aLogLineAfterAnUnfinishedGuestLineStartsOnANewLine() {
        TerminalLine.shared(true);
        guest("/ # ");
        log.write(Log.Level.INFO, "vm: info: x");
        guest("done\r\n");
        log.write(Log.Level.INFO, "vm: info: y");
        assertEquals("/ # \nvm: info: x\ndone\r\nvm: info: y\n", screen.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withoutASharedTerminalNothingIsAdded() {
        guest("/ # ");
        log.write(Log.Level.INFO, "vm: info: x");
        assertEquals("/ # vm: info: x\n", screen.toString(StandardCharsets.UTF_8));
    }
}
