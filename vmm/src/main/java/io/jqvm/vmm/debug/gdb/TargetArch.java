package io.jqvm.vmm.debug.gdb;

import io.jqvm.accel.Registers;
import io.jqvm.common.Arch;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A guest architecture as gdb sees it: the target description ({@code target.xml}, gdb's "Target Descriptions"
 * appendix, with the register features gdb requires for the architecture), the register numbering that follows
 * from it, and the conversion between a vCPU's {@link Registers} and gdb's little-endian register values.
 */
abstract sealed class TargetArch permits A64Target, X86Target {
    /** One register of the description: its gdb name, width and type, in register-number order. */
    record Register(String name, int bits, String type, String feature) {
        int bytes() {
            return bits / 8;
        }
    }

    private final List<Register> registers;
    private final String xml;

    TargetArch(String architecture, List<Register> registers) {
        this.registers = List.copyOf(registers);
        this.xml = xml(architecture, this.registers);
    }

    static TargetArch of(Arch arch) {
        return switch (arch) {
            case AARCH64 -> new A64Target();
            case X86_64 -> new X86Target();
        };
    }

    final List<Register> registers() {
        return registers;
    }

    /** {@code target.xml}: every feature inline, so gdb needs no other annex. */
    final String targetXml() {
        return xml;
    }

    /** The software breakpoint kinds gdb may send in {@code Z0}/{@code Z1}: the instruction length it plants. */
    abstract boolean breakpointKind(int kind);

    /** The address of the next instruction. */
    abstract long pc(Registers registers);

    /** Every register's value, as gdb numbers them; registers the vCPU does not report read as zero. */
    abstract long[][] values(Registers registers);

    /** {@code original} with {@code values} in it; values of registers the vCPU does not report are dropped. */
    abstract Registers withValues(Registers original, long[][] values);

    /** The register as little-endian hex; null when there is no register {@code n}. */
    final String encode(Registers r, int n) {
        if (n < 0 || n >= registers.size()) {
            return null;
        }
        return hex(values(r)[n], registers.get(n).bytes());
    }

    /** All registers, in order: the {@code g} reply. */
    final String encodeAll(Registers r) {
        long[][] values = values(r);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < registers.size(); i++) {
            sb.append(hex(values[i], registers.get(i).bytes()));
        }
        return sb.toString();
    }

    /** {@code r} with register {@code n} set from little-endian hex; null when malformed. */
    final Registers decode(Registers r, int n, String hexValue) {
        if (n < 0 || n >= registers.size()) {
            return null;
        }
        long[] value = parse(hexValue, registers.get(n).bytes());
        if (value == null) {
            return null;
        }
        long[][] values = values(r);
        values[n] = value;
        return withValues(r, values);
    }

    /** {@code r} with every register from a {@code G} packet; null when malformed. */
    final Registers decodeAll(Registers r, String hexValues) {
        long[][] values = values(r);
        int at = 0;
        for (int i = 0; i < registers.size(); i++) {
            int digits = registers.get(i).bytes() * 2;
            if (at + digits > hexValues.length()) {
                return null;
            }
            values[i] = parse(hexValues.substring(at, at + digits), registers.get(i).bytes());
            if (values[i] == null) {
                return null;
            }
            at += digits;
        }
        return at == hexValues.length() ? withValues(r, values) : null;
    }

    /** A value of up to 128 bits as {@code bytes} little-endian bytes in hex; {@code value[0]} the low 64 bits. */
    static String hex(long[] value, int bytes) {
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(value[0]).putLong(value.length > 1 ? value[1] : 0);
        StringBuilder sb = new StringBuilder(bytes * 2);
        for (int i = 0; i < bytes; i++) {
            sb.append(String.format("%02x", b.get(i) & 0xFF));
        }
        return sb.toString();
    }

    /** Little-endian hex of exactly {@code bytes} bytes; null otherwise. */
    static long[] parse(String hexValue, int bytes) {
        if (hexValue.length() != bytes * 2) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes; i++) {
            int high = Character.digit(hexValue.charAt(2 * i), 16);
            int low = Character.digit(hexValue.charAt(2 * i + 1), 16);
            if (high < 0 || low < 0) {
                return null;
            }
            b.put(i, (byte) (high << 4 | low));
        }
        return new long[] {b.getLong(0), b.getLong(8)};
    }

    static long[] value(long v) {
        return new long[] {v, 0};
    }

    static List<Register> numbered(String prefix, int count, int bits, String type, String feature) {
        List<Register> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new Register(prefix + i, bits, type, feature));
        }
        return list;
    }

    private static String xml(String architecture, List<Register> registers) {
        StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n");
        sb.append("  <architecture>").append(architecture).append("</architecture>\n");
        String feature = null;
        for (int i = 0; i < registers.size(); i++) {
            Register r = registers.get(i);
            if (!r.feature().equals(feature)) {
                if (feature != null) {
                    sb.append("  </feature>\n");
                }
                feature = r.feature();
                sb.append("  <feature name=\"").append(feature).append("\">\n");
                sb.append(featureTypes(feature));
            }
            sb.append("    <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits())
                    .append("\" type=\"").append(r.type()).append("\" regnum=\"").append(i).append("\"/>\n");
        }
        return sb.append("  </feature>\n</target>\n").toString();
    }

    /** The vector types a feature's registers use, as gdb's own feature files define them. */
    private static String featureTypes(String feature) {
        return switch (feature) {
            case "org.gnu.gdb.i386.sse" -> SSE_TYPES;
            case A64Target.FPU -> A64_FPU_TYPES;
            default -> "";
        };
    }

    private static final String SSE_TYPES = """
                    <vector id="v4f" type="ieee_single" count="4"/>
                    <vector id="v2d" type="ieee_double" count="2"/>
                    <vector id="v16i8" type="int8" count="16"/>
                    <vector id="v8i16" type="int16" count="8"/>
                    <vector id="v4i32" type="int32" count="4"/>
                    <vector id="v2i64" type="int64" count="2"/>
                    <union id="vec128">
                      <field name="v4_float" type="v4f"/>
                      <field name="v2_double" type="v2d"/>
                      <field name="v16_int8" type="v16i8"/>
                      <field name="v8_int16" type="v8i16"/>
                      <field name="v4_int32" type="v4i32"/>
                      <field name="v2_int64" type="v2i64"/>
                      <field name="uint128" type="uint128"/>
                    </union>
                """;

    /** A V register seen as gdb's aarch64 fpu feature names its lanes: {@code $v0.d.f}, {@code $v0.s.u}, ... */
    private static final String A64_FPU_TYPES = """
                <vector id="v2d" type="ieee_double" count="2"/>
                <vector id="v2u" type="uint64" count="2"/>
                <vector id="v2i" type="int64" count="2"/>
                <vector id="v4f" type="ieee_single" count="4"/>
                <vector id="v4u" type="uint32" count="4"/>
                <vector id="v4i" type="int32" count="4"/>
                <vector id="v8f" type="ieee_half" count="8"/>
                <vector id="v8u" type="uint16" count="8"/>
                <vector id="v8i" type="int16" count="8"/>
                <vector id="v16u" type="uint8" count="16"/>
                <vector id="v16i" type="int8" count="16"/>
                <vector id="v1u" type="uint128" count="1"/>
                <vector id="v1i" type="int128" count="1"/>
                <union id="vnd"><field name="f" type="v2d"/><field name="u" type="v2u"/><field name="s" type="v2i"/></union>
                <union id="vns"><field name="f" type="v4f"/><field name="u" type="v4u"/><field name="s" type="v4i"/></union>
                <union id="vnh"><field name="f" type="v8f"/><field name="u" type="v8u"/><field name="s" type="v8i"/></union>
                <union id="vnb"><field name="u" type="v16u"/><field name="s" type="v16i"/></union>
                <union id="vnq"><field name="u" type="v1u"/><field name="s" type="v1i"/></union>
                <union id="aarch64v">
                  <field name="d" type="vnd"/>
                  <field name="s" type="vns"/>
                  <field name="h" type="vnh"/>
                  <field name="b" type="vnb"/>
                  <field name="q" type="vnq"/>
                </union>
            """;
}
