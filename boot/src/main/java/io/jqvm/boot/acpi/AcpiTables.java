package io.jqvm.boot.acpi;

import io.jqvm.common.Hex;
import io.jqvm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Generates the ACPI tables of an x86 VM and writes them into guest memory (normally the BIOS-area ROM,
 * 0xE0000-0xFFFFF, where guests scan for the RSDP on 16-byte boundaries).
 *
 * <p>The RSDP is revision 2 (ACPI 2.0+) and points at both an RSDT and an XSDT listing the same tables, so
 * ACPI 1.0 guests and current ones read the same description. Tables, in address order from the start of
 * the range: RSDP, FACS (64-byte aligned), DSDT, FADT (revision 6), MADT, HPET (if any), MCFG (if PCI), RSDT, XSDT.
 *
 * <p>The DSDT defines {@code \_S5} as {@code Package(){0, 0, 0, 0}}: SLP_TYP 0 in PM1a/PM1b control means
 * soft-off, as in the DSDT of QEMU's {@code -machine pc} (PIIX4 PM), so guests that write it without reading
 * the tables power off too; the acpi-pm vdev acts on it. It also defines
 * {@code \_SB.PWRB}, a PNP0C0C power button device; the FADT nonetheless reports the fixed-feature
 * power button (PWR_BUTTON flag clear), whose status and enable bits live in the PM1a event block.
 */
public final class AcpiTables {
    /** S5 sleep type value written to SLP_TYP; must match the acpi-pm vdev. */
    public static final int S5_SLEEP_TYPE = 0;
    public static final String OEM_ID = "JQVM  ";
    public static final String OEM_TABLE_ID = "JQVMPC  ";
    private static final String CREATOR_ID = "JQVM";
    private static final int HEADER = 36;
    private static final int RSDP_SIZE = 36;
    private static final int FACS_SIZE = 64;
    private static final int FADT_SIZE = 276;
    private static final long BIOS_AREA_START = 0xe0000;
    private static final long BIOS_AREA_END = 0x100000;

    // FADT flags (ACPI 6.5 table 5.10).
    static final int FADT_WBINVD = 1;
    static final int FADT_PROC_C1 = 1 << 2;
    static final int FADT_SLP_BUTTON = 1 << 5;
    static final int FADT_RESET_REG_SUP = 1 << 10;
    /** IA-PC boot architecture flags: legacy devices (LPC/ISA) and an 8042 are present. */
    static final int IAPC_LEGACY_DEVICES_8042 = 0x3;
    private static final int GAS_SYSTEM_IO = 1;
    private static final int GAS_SYSTEM_MEMORY = 0;

    /** Where each table went; {@code hpet} is 0 without an HPET. */
    public record Layout(long rsdp, long facs, long dsdt, long fadt, long madt, long hpet, long rsdt, long xsdt,
                         long end) {
    }

    private AcpiTables() {
    }

    /**
     * Writes the tables into [base, limit). The RSDP goes first, at {@code base}, which must be 16-byte aligned
     * and inside 0xE0000-0xFFFFF. Writing through {@link GuestMemory#load} fills ROM as well as RAM.
     */
    public static Layout write(GuestMemory memory, long base, long limit, AcpiPlatform platform) {
        if (base % 16 != 0 || base < BIOS_AREA_START || base + RSDP_SIZE > BIOS_AREA_END) {
            throw new IllegalArgumentException("the RSDP must sit on a 16-byte boundary in 0xe0000-0xfffff, not at "
                    + Hex.of(base));
        }
        long facs = align(base + RSDP_SIZE, 64);
        byte[] dsdtBytes = dsdt(platform.pci());
        long dsdt = align(facs + FACS_SIZE, 16);
        long fadt = align(dsdt + dsdtBytes.length, 16);
        byte[] madtBytes = madt(platform);
        long madt = align(fadt + FADT_SIZE, 16);
        long next = align(madt + madtBytes.length, 16);
        byte[] hpetBytes = platform.hpet().map(AcpiTables::hpet).orElse(null);
        long hpet = 0;
        if (hpetBytes != null) {
            hpet = next;
            next = align(hpet + hpetBytes.length, 16);
        }
        byte[] mcfgBytes = platform.pci().map(AcpiTables::mcfg).orElse(null);
        long mcfg = 0;
        if (mcfgBytes != null) {
            mcfg = next;
            next = align(mcfg + mcfgBytes.length, 16);
        }
        List<Long> pointed = new ArrayList<>(List.of(fadt, madt));
        if (hpet != 0) {
            pointed.add(hpet);
        }
        if (mcfg != 0) {
            pointed.add(mcfg);
        }
        byte[] rsdtBytes = rootTable("RSDT", pointed, 4);
        long rsdt = next;
        byte[] xsdtBytes = rootTable("XSDT", pointed, 8);
        long xsdt = align(rsdt + rsdtBytes.length, 16);
        long end = xsdt + xsdtBytes.length;
        if (end > limit || end > BIOS_AREA_END) {
            throw new IllegalArgumentException("the ACPI tables need " + Hex.of(end - base) + " bytes from "
                    + Hex.of(base) + " but the range ends at " + Hex.of(Math.min(limit, BIOS_AREA_END)));
        }
        memory.load(base, rsdp(rsdt, xsdt));
        memory.load(facs, facs());
        memory.load(dsdt, dsdtBytes);
        memory.load(fadt, fadt(platform, facs, dsdt));
        memory.load(madt, madtBytes);
        if (hpetBytes != null) {
            memory.load(hpet, hpetBytes);
        }
        if (mcfgBytes != null) {
            memory.load(mcfg, mcfgBytes);
        }
        memory.load(rsdt, rsdtBytes);
        memory.load(xsdt, xsdtBytes);
        return new Layout(base, facs, dsdt, fadt, madt, hpet, rsdt, xsdt, end);
    }

    static byte[] rsdp(long rsdt, long xsdt) {
        ByteBuffer b = buffer(RSDP_SIZE);
        b.put(ascii("RSD PTR ")).put(8, (byte) 0);
        b.position(9);
        b.put(ascii(OEM_ID)).put((byte) 2).putInt((int) rsdt).putInt(RSDP_SIZE).putLong(xsdt);
        byte[] t = b.array();
        t[8] = checksum(t, 0, 20);
        t[32] = checksum(t, 0, RSDP_SIZE);
        return t;
    }

    static byte[] facs() {
        ByteBuffer b = buffer(FACS_SIZE);
        b.put(ascii("FACS")).putInt(FACS_SIZE);
        b.put(32, (byte) 2); // version
        return b.array();
    }

    static byte[] dsdt(Optional<AcpiPlatform.PciHost> pci) {
        byte[] powerButton = Aml.device("PWRB", Aml.name("_HID", Aml.eisaId("PNP0C0C")));
        byte[] body = Aml.concat(
                Aml.name("_S5", Aml.packageOf(S5_SLEEP_TYPE, S5_SLEEP_TYPE, 0, 0)),
                Aml.rootScope("_SB", pci.map(p -> Aml.concat(powerButton, pciRoot(p))).orElse(powerButton)));
        ByteBuffer b = header("DSDT", HEADER + body.length, 2);
        b.put(body);
        return finish(b);
    }

    static byte[] fadt(AcpiPlatform p, long facs, long dsdt) {
        ByteBuffer b = header("FACP", FADT_SIZE, 6);
        b.putInt(36, (int) facs);
        b.putInt(40, (int) dsdt);
        b.putShort(46, (short) p.sciInterrupt());
        b.putInt(56, p.pm1aEventPort());
        b.putInt(64, p.pm1aControlPort());
        b.putInt(76, p.pmTimerPort());
        b.put(88, (byte) 4); // PM1_EVT_LEN: status and enable, 16 bits each
        b.put(89, (byte) 2); // PM1_CNT_LEN
        b.put(91, (byte) (p.pmTimerPort() == 0 ? 0 : 4));
        b.putShort(96, (short) 101); // P_LVL2_LAT > 100: C2 not supported
        b.putShort(98, (short) 1001); // P_LVL3_LAT > 1000: C3 not supported
        b.put(108, (byte) 0x32); // CENTURY: the CMOS register holding the century
        b.putShort(109, (short) IAPC_LEGACY_DEVICES_8042);
        int flags = FADT_WBINVD | FADT_PROC_C1 | FADT_SLP_BUTTON;
        if (p.resetPort() != 0) {
            flags |= FADT_RESET_REG_SUP;
            gas(b, 116, GAS_SYSTEM_IO, 8, 1, p.resetPort());
            b.put(128, (byte) p.resetValue());
        }
        b.putInt(112, flags);
        b.put(131, (byte) 5); // FADT minor version: ACPI 6.5
        b.putLong(140, dsdt);
        gas(b, 148, GAS_SYSTEM_IO, 32, 2, p.pm1aEventPort());
        gas(b, 172, GAS_SYSTEM_IO, 16, 2, p.pm1aControlPort());
        if (p.pmTimerPort() != 0) {
            gas(b, 208, GAS_SYSTEM_IO, 32, 3, p.pmTimerPort());
        }
        return finish(b);
    }

    /**
     * The PCI root bridge as Linux's ACPI PCI driver finds it: a PCI Express root (PNP0A08, compatible with
     * PNP0A03) for segment 0 from bus 0, and its {@code _PRT}: one entry per INTx route, in the GSI form
     * (address 0xDDDDFFFF for device DDDD, any function; pin 0-3; source 0; the GSI).
     */
    private static byte[] pciRoot(AcpiPlatform.PciHost p) {
        List<byte[]> routes = new ArrayList<>();
        for (AcpiPlatform.IntxRoute r : p.routes()) {
            routes.add(Aml.packageOf(r.device() << 16 | 0xffff, r.pin() - 1, 0, r.gsi()));
        }
        return Aml.device("PCI0",
                Aml.name("_HID", Aml.eisaId("PNP0A08")),
                Aml.name("_CID", Aml.eisaId("PNP0A03")),
                Aml.name("_SEG", Aml.integer(0)),
                Aml.name("_BBN", Aml.integer(0)),
                Aml.name("_UID", Aml.integer(0)),
                Aml.name("_PRT", Aml.packageOfTerms(routes)));
    }

    /** The MCFG table (PCI Firmware 3.2 §4.1.2): one ECAM allocation, segment 0, buses 0 to buses - 1. */
    static byte[] mcfg(AcpiPlatform.PciHost p) {
        ByteBuffer b = header("MCFG", HEADER + 8 + 16, 1);
        b.position(HEADER + 8);
        b.putLong(p.ecam()).putShort((short) 0).put((byte) 0).put((byte) (p.buses() - 1)).putInt(0);
        return finish(b);
    }

    static byte[] madt(AcpiPlatform p) {
        int cpus = p.apicIds().size();
        boolean timerOverride = p.timerIoapicPin() != 0;
        int length = HEADER + 8 + 8 * cpus + 12 + 10 * (timerOverride ? 2 : 1) + 6;
        ByteBuffer b = header("APIC", length, 5);
        b.position(HEADER);
        b.putInt((int) AcpiPlatform.LOCAL_APIC_BASE).putInt(1); // PCAT_COMPAT: 8259s are present
        for (int uid = 0; uid < cpus; uid++) {
            b.put((byte) 0).put((byte) 8).put((byte) uid).put((byte) (int) p.apicIds().get(uid)).putInt(1);
        }
        b.put((byte) 1).put((byte) 12).put((byte) p.ioapicId()).put((byte) 0).putInt((int) p.ioapicBase())
                .putInt(p.ioapicGsiBase());
        if (timerOverride) {
            // IRQ 0 on another pin (2 on PCs); flags 0: bus-conforming polarity and trigger.
            b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) 0).putInt(p.ioapicGsiBase() + p.timerIoapicPin())
                    .putShort((short) 0);
        }
        // SCI: active-high (01), level-triggered (11 << 2).
        b.put((byte) 2).put((byte) 10).put((byte) 0).put((byte) p.sciInterrupt())
                .putInt(p.ioapicGsiBase() + p.sciInterrupt()).putShort((short) 0x000d);
        // NMI on LINT1 of every processor (UID 0xff), as on PCs.
        b.put((byte) 4).put((byte) 6).put((byte) 0xff).putShort((short) 0).put((byte) 1);
        return finish(b);
    }

    static byte[] hpet(AcpiPlatform.Hpet h) {
        ByteBuffer b = header("HPET", HEADER + 20, 1);
        // Event timer block id = capabilities register bits 31:0: revision 1, last timer index,
        // 64-bit counter, legacy replacement capable, vendor id.
        int blockId = 0x01 | (h.timers() - 1) << 8 | 1 << 13 | 1 << 15 | h.vendorId() << 16;
        b.putInt(36, blockId);
        gas(b, 40, GAS_SYSTEM_MEMORY, 64, 0, h.base());
        b.put(52, (byte) 0); // HPET number
        b.putShort(53, (short) 0x80); // minimum clock ticks in periodic mode
        return finish(b);
    }

    private static byte[] rootTable(String signature, List<Long> tables, int entrySize) {
        ByteBuffer b = header(signature, HEADER + entrySize * tables.size(), 1);
        b.position(HEADER);
        for (long t : tables) {
            if (entrySize == 4) {
                b.putInt((int) t);
            } else {
                b.putLong(t);
            }
        }
        return finish(b);
    }

    private static ByteBuffer header(String signature, int length, int revision) {
        ByteBuffer b = buffer(length);
        b.put(ascii(signature)).putInt(length).put((byte) revision).put((byte) 0).put(ascii(OEM_ID))
                .put(ascii(OEM_TABLE_ID)).putInt(1).put(ascii(CREATOR_ID)).putInt(1);
        return b;
    }

    private static void gas(ByteBuffer b, int at, int space, int bitWidth, int accessSize, long address) {
        b.put(at, (byte) space).put(at + 1, (byte) bitWidth).put(at + 2, (byte) 0).put(at + 3, (byte) accessSize)
                .putLong(at + 4, address);
    }

    private static byte[] finish(ByteBuffer b) {
        byte[] t = b.array();
        t[9] = checksum(t, 0, t.length);
        return t;
    }

    /** The byte that makes the sum of [from, from+length) zero (mod 256), given the checksum field is 0. */
    static byte checksum(byte[] t, int from, int length) {
        int sum = 0;
        for (int i = from; i < from + length; i++) {
            sum += t[i];
        }
        return (byte) -sum;
    }

    private static ByteBuffer buffer(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }
}
