package io.jqvm.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The console's view of whatever a guest writes, however its device cuts the bytes into chunks. */
class GuestConsolePropertyTest {
    @Property(tries = 300)
    void everyViewSeesExactlyWhatTheGuestWrote(@ForAll @Size(max = 20) List<@Size(max = 64) List<Byte>> chunks)
            throws IOException {
        GuestConsole console = new GuestConsole("test");
        List<String> lines = new ArrayList<>();
        console.onLine(lines::add);
        OutputStream guest = console.guestOutput();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (List<Byte> chunk : chunks) {
            byte[] bytes = new byte[chunk.size()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = chunk.get(i);
            }
            guest.write(bytes, 0, bytes.length);
            all.write(bytes);
        }
        console.end();
        byte[] written = all.toByteArray();
        try (InputStream in = console.output()) {
            assertArrayEquals(written, in.readAllBytes());
        }
        assertEquals(new String(written, StandardCharsets.UTF_8), console.text());
        List<String> expected = new ArrayList<>();
        String text = new String(written, StandardCharsets.UTF_8);
        int start = 0;
        for (int nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
            String line = text.substring(start, nl);
            expected.add(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            start = nl + 1;
        }
        assertEquals(expected, lines);
    }

    @Test
    void waitForReturnsTheOutputSinceTheLastMatch() throws Exception {
        GuestConsole console = new GuestConsole("test");
        OutputStream guest = console.guestOutput();
        guest.write("login: root\n# ls\nbin\n# ".getBytes(StandardCharsets.UTF_8));
        assertEquals("login: root\n# ", console.waitFor("# ", Duration.ZERO));
        assertEquals("ls\nbin\n# ", console.waitFor("# ", Duration.ZERO));
        assertThrows(TimeoutException.class, () -> console.waitFor("# ", Duration.ofMillis(10)));
        console.end();
        TimeoutException ended = assertThrows(TimeoutException.class, () -> console.waitFor("never", Duration.ofDays(1)));
        assertEquals(true, ended.getMessage().contains("before the VM ended"), ended.getMessage());
    }

    @Test
    void typedInputReachesEachOpeningOfTheDeviceAndEndsWithTheVm() throws Exception {
        GuestConsole console = new GuestConsole("test");
        InputStream firstOpening = console.guestInput();
        console.type("ab");
        byte[] buffer = new byte[8];
        assertEquals(3, firstOpening.read(buffer, 0, 8));
        firstOpening.close(); // the device closes (a reset): the keyboard stays
        assertEquals(-1, firstOpening.read(buffer, 0, 8));
        InputStream secondOpening = console.guestInput();
        console.type("c");
        assertEquals(2, secondOpening.read(buffer, 0, 8));
        console.end();
        assertEquals(-1, secondOpening.read(buffer, 0, 8));
        assertThrows(IOException.class, () -> console.type("too late"));
    }
}
