package io.jqvm.devices.chardev;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConsoleKeysTest {
    private final AtomicInteger quits = new AtomicInteger();
    private final ByteArrayOutputStream help = new ByteArrayOutputStream();
    private final ConsoleKeys keys = new ConsoleKeys(quits::incrementAndGet, new PrintStream(help, true, StandardCharsets.UTF_8));

    private byte[] type(byte... typed) {
        byte[] buffer = typed.clone();
        return Arrays.copyOf(buffer, keys.filter(buffer, buffer.length));
    }

    @Test
    void ordinaryKeysAndControlCharactersGoToTheGuest() {
        assertArrayEquals(new byte[] {'l', 's', 0x03, 0x04, '\t', 0x1b, '[', 'A', '\r'},
                type((byte) 'l', (byte) 's', (byte) 0x03, (byte) 0x04, (byte) '\t', (byte) 0x1b, (byte) '[', (byte) 'A', (byte) '\r'));
        assertEquals(0, quits.get());
    }

    @Test
    void ctrlAxQuitsAndSendsNothing() {
        assertArrayEquals(new byte[] {'a'}, type((byte) 'a', ConsoleKeys.ESCAPE, (byte) 'x'));
        assertEquals(1, quits.get());
    }

    @Test
    void ctrlATwiceSendsOneCtrlA() {
        assertArrayEquals(new byte[] {ConsoleKeys.ESCAPE, 'b'}, type(ConsoleKeys.ESCAPE, ConsoleKeys.ESCAPE, (byte) 'b'));
    }

    @Test
    void theEscapeSpansReads() {
        assertArrayEquals(new byte[0], type(ConsoleKeys.ESCAPE));
        assertArrayEquals(new byte[0], type((byte) 'x'));
        assertEquals(1, quits.get());
    }

    @Test
    void ctrlAhListsTheKeys() {
        assertArrayEquals(new byte[] {'z'}, type(ConsoleKeys.ESCAPE, (byte) 'h', (byte) 'z'));
        assertTrue(help.toString(StandardCharsets.UTF_8).contains("C-a x"));
    }

    @Test
    void ctrlAWithAnotherKeySendsNothingAsQemu() {
        assertArrayEquals(new byte[] {'q'}, type(ConsoleKeys.ESCAPE, (byte) 'k', (byte) 'q'));
        assertEquals(0, quits.get());
    }
}
