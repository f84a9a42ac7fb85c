package io.jqvm.vmm.debug.gdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The packet layer of gdb's remote protocol: framing, checksums, acknowledgements, escapes and run lengths. */
class RspChannelTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void framesWithTheModulo256ChecksumAndEscapesTheFourSpecialBytes() {
        assertEquals("$OK#9a", text(RspChannel.frame("OK")));
        assertEquals("$#00", text(RspChannel.frame("")));
        // '$' '#' '}' '*' become '}' followed by the byte XOR 0x20; the checksum covers what is sent
        assertEquals("$a}\u0004}\u0003}]}\n#" + String.format("%02x", ('a' + '}' * 4 + 4 + 3 + ']' + '\n') & 0xFF),
                text(RspChannel.frame("a$#}*")));
    }

    @Test
    void readsAPacketAcknowledgesItAndSkipsNoiseAndAcks() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(new ByteArrayInputStream(bytes("+xx$qC#b4")), out);
        assertEquals("qC", c.read());
        assertEquals("+", out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aBadChecksumIsRefusedAndTheResentPacketTaken() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(new ByteArrayInputStream(bytes("$qC#00$qC#b4")), out);
        assertEquals("qC", c.read());
        assertEquals("-+", out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aPacketInterruptedByANewOneIsDroppedAndANonHexChecksumRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(new ByteArrayInputStream(bytes("$g$?#3f$g#zz$g#67")), out);
        assertEquals("?", c.read());
        assertEquals("g", c.read());
        assertEquals("+-+", out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void ctrlCIsAnInterruptAndTheEndOfTheStreamAnEofException() throws IOException {
        RspChannel c = new RspChannel(new ByteArrayInputStream(new byte[] {3}), new ByteArrayOutputStream());
        assertEquals(RspChannel.INTERRUPT, c.read());
        assertThrows(EOFException.class, c::read);
    }

    @Test
    void noAckModeSendsNoAcknowledgements() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(new ByteArrayInputStream(bytes("$qC#b4")), out);
        c.stopAcknowledging();
        assertEquals("qC", c.read());
        c.write("QC1");
        assertEquals(text(RspChannel.frame("QC1")), out.toString(StandardCharsets.ISO_8859_1));
    }

    @Test
    void aSentPacketWaitsForThePlusTheReaderReceives() throws Exception {
        PipedOutputStream debugger = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(debugger);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(in, out);
        Thread reader = Thread.ofPlatform().start(() -> {
            try {
                c.read();
            } catch (IOException e) {
                // the end of the test closes the pipe
            }
        });
        debugger.write(bytes("-+"));
        debugger.flush();
        c.write("OK");
        assertEquals("$OK#9a$OK#9a", out.toString(StandardCharsets.ISO_8859_1), "sent again after the '-'");
        debugger.close();
        reader.join(5000);
    }

    @Test
    void runLengthEncodingExpandsAndMalformedEncodingsAreRejected() {
        assertEquals("0000", RspChannel.decode(bytes("0* ")));
        assertEquals("abbbbbbbbc", RspChannel.decode(bytes("ab*$c")), "'$' (36) repeats 36 - 29 = 7 more");
        assertEquals("x}", RspChannel.decode(bytes("x}]")));
        assertNull(RspChannel.decode(bytes("*!")), "nothing to repeat");
        assertNull(RspChannel.decode(bytes("a*")), "no count");
        assertNull(RspChannel.decode(bytes("a*\u001f")), "a count below three repeats");
        assertNull(RspChannel.decode(bytes("a}")), "an escape at the end");
    }

    @Property
    void anyPayloadSurvivesFramingAndReading(@ForAll byte[] payload) throws IOException {
        String sent = text(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RspChannel c = new RspChannel(new ByteArrayInputStream(RspChannel.frame(sent)), out);
        assertArrayEquals(payload, bytes(c.read()));
    }

    @Property
    void garbageNeverThrowsAnythingButEof(@ForAll byte[] garbage) {
        RspChannel c = new RspChannel(new ByteArrayInputStream(garbage), new ByteArrayOutputStream());
        try {
            while (true) {
                c.read();
            }
        } catch (EOFException e) {
            // the only way out
        } catch (IOException e) {
            throw new AssertionError("not an end of stream: " + e);
        }
    }
}
