package io.jqvm.boot.fdt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FdtTest {
    private static Fdt sample() {
        FdtNode root = new FdtNode("");
        root.setCells("#address-cells", 2).setCells("#size-cells", 2).setStrings("compatible", "a,b", "c");
        root.child("chosen").setStrings("bootargs", "console=ttyAMA0");
        root.child("node@1000").setLongs("reg", 0x1000, 0x10).setEmpty("flag").setStrings("compatible", "x,y");
        root.child("node@1000").child("sub").set("blob", new byte[] {1, 2, 3});
        return new Fdt(root, List.of(new Fdt.Reservation(0x4000_0000L, 0x1000)), 0);
    }

    @Test
    void headerFollowsVersion17() {
        byte[] blob = sample().toBlob();
        ByteBuffer b = ByteBuffer.wrap(blob);
        assertEquals(0xD00D_FEED, b.getInt(0));
        assertEquals(blob.length, b.getInt(4));
        assertEquals(0, b.getInt(8) % 4, "structure block 4-byte aligned");
        assertEquals(0, b.getInt(16) % 8, "reservation block 8-byte aligned");
        assertEquals(17, b.getInt(20));
        assertEquals(16, b.getInt(24));
        assertEquals(0x4000_0000L, b.getLong(b.getInt(16)));
    }

    @Test
    void dtcReadsWhatWeWrite() {
        Dtc.Result r = Dtc.run(sample().toBlob(), "-I", "dtb", "-O", "dts");
        String dts = r.source();
        assertTrue(dts.contains("/memreserve/\t0x0000000040000000 0x0000000000001000;"), dts);
        assertTrue(dts.contains("compatible = \"a,b\\0c\";"), dts);
        assertTrue(dts.contains("bootargs = \"console=ttyAMA0\";"), dts);
        assertTrue(dts.contains("reg = <0x00 0x1000 0x00 0x10>;"), dts);
        assertTrue(dts.contains("flag;"), dts);
        assertTrue(dts.contains("blob = [01 02 03];"), dts);
    }

    @Test
    void stringsAreDeduplicated() {
        byte[] blob = sample().toBlob();
        ByteBuffer b = ByteBuffer.wrap(blob);
        String strings = new String(blob, b.getInt(12), b.getInt(32), java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(strings.indexOf("compatible"), strings.lastIndexOf("compatible"));
    }

    @Test
    void readerRoundTripsOurBlobsAndDtcs() {
        Fdt parsed = Fdt.parse(sample().toBlob());
        assertArrayEquals(sample().toBlob(), parsed.toBlob());
        assertEquals(List.of(new Fdt.Reservation(0x4000_0000L, 0x1000)), parsed.reservations());

        byte[] fromDtc = Dtc.compile("/dts-v1/;\n/memreserve/ 0x1000 0x2000;\n/ { a = <1>; n@1 { s = \"x\"; e; }; };\n");
        Fdt d = Fdt.parse(fromDtc);
        assertEquals("x", d.root().find("n@1").string("s"));
        assertArrayEquals(new byte[0], d.root().find("/n@1").property("e"));
        assertArrayEquals(new byte[] {0, 0, 0, 1}, d.root().property("a"));
        assertEquals(List.of(new Fdt.Reservation(0x1000, 0x2000)), d.reservations());
    }

    @Test
    void mergeOverridesPropertiesAndAddsNodes() {
        Fdt base = sample();
        FdtNode overlay = Fdt.parse(Dtc.compile(
                "/dts-v1/;\n/ { chosen { bootargs = \"quiet\"; extra = <7>; }; reserved-memory { r@0 { reg = <0 0 0 1>; }; }; };\n"))
                .root();
        base.root().merge(overlay);
        assertEquals("quiet", base.root().find("chosen").string("bootargs"));
        assertNotNull(base.root().find("chosen").property("extra"));
        assertNotNull(base.root().find("reserved-memory/r@0"));
        assertNotNull(base.root().find("node@1000/sub"), "untouched nodes stay");
        Dtc.decompile(base.toBlob());
    }

    @Test
    void overlayAppendsReservationsAndRefusesClashingPhandles() {
        Fdt base = Arm64BoardTree.build(new Arm64Board(List.of(new Arm64Board.Range(0x4000_0000L, 0x800_0000L)), 1,
                new Arm64Board.GicV2(0x0800_0000L, 0x0801_0000L), Arm64Board.TimerPpis.STANDARD, List.of(), null, null, null));
        Fdt user = Fdt.parse(Dtc.compile("/dts-v1/;\n/memreserve/ 0x48000000 0x1000;\n"
                + "/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;"
                + " dice@48000000 { reg = <0 0x48000000 0 0x1000>; no-map; }; }; };\n"));
        Fdt merged = base.withOverlay(user);
        assertEquals(List.of(new Fdt.Reservation(0x4800_0000L, 0x1000)), merged.reservations());
        assertNotNull(merged.root().find("reserved-memory/dice@48000000"));
        assertNotNull(merged.root().find("intc@8000000"));
        Dtc.decompile(merged.toBlob());

        Fdt clash = Fdt.parse(Dtc.compile("/dts-v1/;\n/ { mine { phandle = <0x8000>; }; };\n"));
        String message = assertThrows(FdtFormatException.class, () -> base.withOverlay(clash)).getMessage();
        assertTrue(message.contains("phandle 0x8000 is claimed by both /apb-pclk and /mine"), message);
    }

    private static byte[] withInt(byte[] blob, int offset, int value) {
        byte[] copy = blob.clone();
        ByteBuffer.wrap(copy).putInt(offset, value);
        return copy;
    }

    private static String error(byte[] blob) {
        return assertThrows(FdtFormatException.class, () -> Fdt.parse(blob)).getMessage();
    }

    @Test
    void malformedBlobsGetPreciseErrors() {
        byte[] good = sample().toBlob();
        ByteBuffer b = ByteBuffer.wrap(good);
        int structure = b.getInt(8);
        assertTrue(error(new byte[10]).contains("shorter than the 40-byte header"));
        assertTrue(error(withInt(good, 0, 0x12345678)).contains("magic 0x12345678"));
        assertTrue(error(java.util.Arrays.copyOf(good, good.length - 4)).contains("truncated"));
        assertTrue(error(withInt(good, 20, 15)).contains("version 15"));
        assertTrue(error(withInt(good, 8, structure + 2)).contains("not 4-byte aligned"));
        assertTrue(error(withInt(good, 36, good.length)).contains("structure block"));
        assertTrue(error(withInt(good, structure, 2)).contains("must start with FDT_BEGIN_NODE"));
        assertTrue(error(withInt(good, structure + 8, 0x77)).contains("unknown structure token 0x77"));
    }

    @Test
    void version16BlobsHaveNoStructureSize() {
        byte[] v16 = withInt(withInt(sample().toBlob(), 20, 16), 36, 0);
        assertEquals("console=ttyAMA0", Fdt.parse(v16).root().find("chosen").string("bootargs"));
    }

    @Test
    void propertyNameOutsideTheStringsBlockIsReported() {
        FdtNode root = new FdtNode("");
        root.setCells("x", 1);
        byte[] blob = new Fdt(root, List.of(), 0).toBlob();
        int structure = ByteBuffer.wrap(blob).getInt(8);
        // root: BEGIN_NODE, empty name padded to 4, then PROP, len, nameoff
        String message = error(withInt(blob, structure + 16, 999));
        assertTrue(message.contains("string offset 999"), message);
    }

    @Test
    void repeatedPropertyIsReported() {
        FdtNode root = new FdtNode("");
        root.setCells("a", 1).setCells("b", 2);
        byte[] blob = new Fdt(root, List.of(), 0).toBlob();
        int structure = ByteBuffer.wrap(blob).getInt(8);
        // second property header: BEGIN_NODE(4) + name(4) + PROP(4) + len(4) + nameoff(4) + value(4), then PROP, len, nameoff
        String message = error(withInt(blob, structure + 32, 0));
        assertTrue(message.contains("has property \"a\" twice"), message);
    }

    @Test
    void unclosedNodeIsReported() {
        FdtNode root = new FdtNode("");
        byte[] blob = new Fdt(root, List.of(), 0).toBlob();
        int structure = ByteBuffer.wrap(blob).getInt(8);
        String message = error(withInt(blob, structure + 8, Fdt.END));
        assertTrue(message.contains("a node is not closed"), message);
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        byte[] good = sample().toBlob();
        Random random = new Random(1);
        for (int i = 0; i < 5000; i++) {
            byte[] bad = good.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                bad[random.nextInt(bad.length)] = (byte) random.nextInt(256);
            }
            try {
                Fdt.parse(bad);
            } catch (FdtFormatException expected) {
                assertNotNull(expected.getMessage());
            }
        }
    }

    @Test
    void findAndMissingNodes() {
        FdtNode root = sample().root();
        assertNull(root.find("nope"));
        assertNull(root.find("node@1000/nope"));
        assertEquals(root, root.find("/"));
        assertNull(root.string("missing"));
    }
}
