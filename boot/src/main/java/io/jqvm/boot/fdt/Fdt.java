package io.jqvm.boot.fdt;

import io.jqvm.common.Hex;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A flattened device tree (Devicetree Specification, chapter 5): the node tree, the memory reservations
 * and the boot CPU. Writes version 17 blobs (last compatible version 16) and reads versions 16 and 17.
 */
public record Fdt(FdtNode root, List<Reservation> reservations, int bootCpu) {
    static final int MAGIC = 0xD00D_FEED;
    static final int VERSION = 17;
    static final int LAST_COMPATIBLE_VERSION = 16;
    static final int HEADER_SIZE = 40;
    static final int BEGIN_NODE = 1;
    static final int END_NODE = 2;
    static final int PROP = 3;
    static final int NOP = 4;
    static final int END = 9;

    /** A /memreserve/ entry: memory the OS must not use. */
    public record Reservation(long address, long size) {
    }

    public Fdt {
        reservations = List.copyOf(reservations);
    }

    /** A tree with an empty root ("/"), no reservations, boot CPU 0. */
    public static Fdt empty() {
        return new Fdt(new FdtNode(""), List.of(), 0);
    }

    /**
     * qvm's {@code fdt load}: merges a user's tree over this one (its properties override ours, its nodes
     * are added) and appends its memory reservations. Refuses a result in which two nodes claim the same
     * phandle, since references to it would become ambiguous.
     */
    public Fdt withOverlay(Fdt user) {
        root.merge(user.root());
        java.util.Map<Integer, String> owners = new HashMap<>();
        checkPhandles(root, "", owners);
        List<Reservation> all = new ArrayList<>(reservations);
        all.addAll(user.reservations());
        return new Fdt(root, all, bootCpu);
    }

    private static void checkPhandles(FdtNode node, String path, Map<Integer, String> owners) {
        String here = path.isEmpty() ? "/" : path;
        for (String property : List.of("phandle", "linux,phandle")) {
            byte[] v = node.properties().get(property);
            if (v == null) {
                continue;
            }
            if (v.length != 4) {
                throw new FdtFormatException(here + ": " + property + " is " + v.length + " bytes, not one 32-bit cell");
            }
            int phandle = ByteBuffer.wrap(v).getInt();
            String previous = owners.putIfAbsent(phandle, here);
            if (previous != null && !previous.equals(here)) {
                throw new FdtFormatException("phandle " + Hex.of(Integer.toUnsignedLong(phandle)) + " is claimed by both "
                        + previous + " and " + here + " after merging the loaded device tree");
            }
        }
        for (FdtNode child : node.children()) {
            checkPhandles(child, path + "/" + child.name(), owners);
        }
    }

    /** The blob: header, memory reservation block, structure block, strings block (deduplicated). */
    public byte[] toBlob() {
        Map<String, Integer> stringOffsets = new HashMap<>();
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        ByteArrayOutputStream structure = new ByteArrayOutputStream();
        writeNode(root, structure, strings, stringOffsets);
        putInt(structure, END);

        int reservationOffset = HEADER_SIZE; // already 8-byte aligned
        int reservationSize = 16 * (reservations.size() + 1);
        int structureOffset = reservationOffset + reservationSize;
        int stringsOffset = structureOffset + structure.size();
        int total = stringsOffset + strings.size();

        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.BIG_ENDIAN);
        b.putInt(MAGIC).putInt(total).putInt(structureOffset).putInt(stringsOffset).putInt(reservationOffset)
                .putInt(VERSION).putInt(LAST_COMPATIBLE_VERSION).putInt(bootCpu).putInt(strings.size())
                .putInt(structure.size());
        for (Reservation r : reservations) {
            b.putLong(r.address()).putLong(r.size());
        }
        b.putLong(0).putLong(0);
        b.put(structure.toByteArray());
        b.put(strings.toByteArray());
        return b.array();
    }

    private static void writeNode(FdtNode node, ByteArrayOutputStream out, ByteArrayOutputStream strings,
            Map<String, Integer> offsets) {
        putInt(out, BEGIN_NODE);
        out.writeBytes(node.name().getBytes(StandardCharsets.UTF_8));
        out.write(0);
        pad(out);
        for (Map.Entry<String, byte[]> p : node.properties().entrySet()) {
            Integer nameOffset = offsets.get(p.getKey());
            if (nameOffset == null) {
                nameOffset = strings.size();
                offsets.put(p.getKey(), nameOffset);
                strings.writeBytes(p.getKey().getBytes(StandardCharsets.UTF_8));
                strings.write(0);
            }
            putInt(out, PROP);
            putInt(out, p.getValue().length);
            putInt(out, nameOffset);
            out.writeBytes(p.getValue());
            pad(out);
        }
        for (FdtNode c : node.children()) {
            writeNode(c, out, strings, offsets);
        }
        putInt(out, END_NODE);
    }

    private static void putInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    private static void pad(ByteArrayOutputStream out) {
        while (out.size() % 4 != 0) {
            out.write(0);
        }
    }

    /** Reads a blob, checking every offset and size against the blob; errors name the offending offset. */
    public static Fdt parse(byte[] blob) {
        if (blob.length < HEADER_SIZE) {
            throw new FdtFormatException("device tree blob is " + blob.length + " bytes, shorter than the "
                    + HEADER_SIZE + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.BIG_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new FdtFormatException("not a device tree blob: magic " + Hex.of(Integer.toUnsignedLong(magic))
                    + " at offset 0, expected 0xd00dfeed");
        }
        long total = Integer.toUnsignedLong(b.getInt(4));
        long structureOffset = Integer.toUnsignedLong(b.getInt(8));
        long stringsOffset = Integer.toUnsignedLong(b.getInt(12));
        long reservationOffset = Integer.toUnsignedLong(b.getInt(16));
        int version = b.getInt(20);
        int lastCompatible = b.getInt(24);
        int bootCpu = b.getInt(28);
        long stringsSize = Integer.toUnsignedLong(b.getInt(32));
        // size_dt_struct arrived in version 17; a version 16 structure block runs to the end of the blob.
        long structureSize = version >= VERSION ? Integer.toUnsignedLong(b.getInt(36))
                : Math.max(0, Integer.toUnsignedLong(b.getInt(4)) - structureOffset);
        if (total > blob.length) {
            throw new FdtFormatException("device tree header says totalsize " + total + " but the blob has only "
                    + blob.length + " bytes (truncated file?)");
        }
        if (lastCompatible > LAST_COMPATIBLE_VERSION || version < LAST_COMPATIBLE_VERSION) {
            throw new FdtFormatException("device tree version " + version + " (last compatible " + lastCompatible
                    + ") is not readable: versions 16 and 17 are supported");
        }
        checkBlock("memory reservation block", reservationOffset, 16, total, 8);
        checkBlock("structure block", structureOffset, structureSize, total, 4);
        checkBlock("strings block", stringsOffset, stringsSize, total, 1);

        List<Reservation> reservations = new ArrayList<>();
        for (long at = reservationOffset; ; at += 16) {
            if (at + 16 > total) {
                throw new FdtFormatException("memory reservation block at " + Hex.of(reservationOffset)
                        + " has no terminating zero entry before the end of the blob");
            }
            long address = b.getLong((int) at);
            long size = b.getLong((int) at + 8);
            if (address == 0 && size == 0) {
                break;
            }
            reservations.add(new Reservation(address, size));
        }
        Parser parser = new Parser(blob, (int) structureOffset, (int) (structureOffset + structureSize),
                (int) stringsOffset, (int) stringsSize);
        return new Fdt(parser.parseRoot(), reservations, bootCpu);
    }

    private static void checkBlock(String what, long offset, long size, long total, int alignment) {
        if (offset % alignment != 0) {
            throw new FdtFormatException(what + " offset " + Hex.of(offset) + " is not " + alignment + "-byte aligned");
        }
        if (offset < HEADER_SIZE || offset + size > total) {
            throw new FdtFormatException(what + " [" + Hex.of(offset) + ", +" + Hex.of(size)
                    + ") lies outside the blob's " + total + " bytes after the header");
        }
    }

    /** Walks the structure block token by token. */
    private static final class Parser {
        private final ByteBuffer b;
        private final byte[] blob;
        private final int end;
        private final int stringsOffset;
        private final int stringsSize;
        private int at;

        Parser(byte[] blob, int start, int end, int stringsOffset, int stringsSize) {
            this.blob = blob;
            this.b = ByteBuffer.wrap(blob).order(ByteOrder.BIG_ENDIAN);
            this.at = start;
            this.end = end;
            this.stringsOffset = stringsOffset;
            this.stringsSize = stringsSize;
        }

        private int token() {
            while (true) {
                if (at + 4 > end) {
                    throw new FdtFormatException("structure block ends at " + Hex.of(end) + " without an FDT_END token");
                }
                int t = b.getInt(at);
                at += 4;
                if (t != NOP) {
                    return t;
                }
            }
        }

        FdtNode parseRoot() {
            int t = token();
            if (t != BEGIN_NODE) {
                throw new FdtFormatException("structure block must start with FDT_BEGIN_NODE, found token " + t
                        + " at " + Hex.of(at - 4));
            }
            FdtNode root = parseNode();
            if (!root.name().isEmpty()) {
                throw new FdtFormatException("root node has name \"" + root.name() + "\"; the root's name must be empty");
            }
            int last = token();
            if (last != END) {
                throw new FdtFormatException("expected FDT_END after the root node at " + Hex.of(at - 4) + ", found token " + last);
            }
            return root;
        }

        /** Parses a node whose FDT_BEGIN_NODE token has just been read. */
        private FdtNode parseNode() {
            int nameEnd = nul(at, end, "node name");
            String name = new String(blob, at, nameEnd - at, StandardCharsets.UTF_8);
            at = align(nameEnd + 1);
            FdtNode node = new FdtNode(name);
            while (true) {
                int tokenAt = at;
                int t = token();
                switch (t) {
                    case PROP -> {
                        if (at + 8 > end) {
                            throw new FdtFormatException("property header at " + Hex.of(tokenAt) + " runs past the structure block");
                        }
                        long length = Integer.toUnsignedLong(b.getInt(at));
                        long nameOffset = Integer.toUnsignedLong(b.getInt(at + 4));
                        at += 8;
                        if (at + length > end) {
                            throw new FdtFormatException("property at " + Hex.of(tokenAt) + " in node \"" + name + "\" has length "
                                    + length + ", past the end of the structure block");
                        }
                        if (nameOffset >= stringsSize) {
                            throw new FdtFormatException("property at " + Hex.of(tokenAt) + " names string offset "
                                    + nameOffset + ", outside the " + stringsSize + "-byte strings block");
                        }
                        String propName = cString(stringsOffset + (int) nameOffset, stringsOffset + stringsSize, "property name");
                        if (node.properties().containsKey(propName)) {
                            throw new FdtFormatException("node \"" + name + "\" has property \"" + propName
                                    + "\" twice (second at " + Hex.of(tokenAt) + ")");
                        }
                        node.set(propName, java.util.Arrays.copyOfRange(blob, at, at + (int) length));
                        at = align(at + (int) length);
                    }
                    case BEGIN_NODE -> {
                        FdtNode child = parseNode();
                        if (node.findChild(child.name()) != null) {
                            throw new FdtFormatException("node \"" + name + "\" has two children named \"" + child.name() + "\"");
                        }
                        node.child(child.name()).merge(child);
                    }
                    case END_NODE -> {
                        return node;
                    }
                    case END -> throw new FdtFormatException("FDT_END at " + Hex.of(tokenAt) + " inside node \"" + name
                            + "\": a node is not closed");
                    default -> throw new FdtFormatException("unknown structure token " + Hex.of(Integer.toUnsignedLong(t))
                            + " at " + Hex.of(tokenAt));
                }
            }
        }

        private String cString(int start, int limit, String what) {
            return new String(blob, start, nul(start, limit, what) - start, StandardCharsets.UTF_8);
        }

        /** Index of the NUL ending the string at {@code start}, which must come before {@code limit}. */
        private int nul(int start, int limit, String what) {
            int i = start;
            while (i < limit && blob[i] != 0) {
                i++;
            }
            if (i >= limit) {
                throw new FdtFormatException(what + " at " + Hex.of(start) + " is not NUL-terminated within its block");
            }
            return i;
        }

        private static int align(int offset) {
            return (offset + 3) & ~3;
        }
    }
}
