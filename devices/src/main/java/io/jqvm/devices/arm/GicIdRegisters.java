package io.jqvm.devices.arm;

/**
 * The identification block at the end of each GIC register frame (GICD/GICR offsets 0xFFD0-0xFFFC on
 * GICv3, 0xFD0-0xFFC on GICv2): JEP106 designer Arm with part number 0 (no real product, so no erratum
 * workaround matches) and, in PIDR2, the architecture revision that drivers and tests read.
 */
final class GicIdRegisters {
    private GicIdRegisters() {
    }

    /** The register at {@code index} bytes from the start of the block (PIDR4 at 0). */
    static int read(int index, int archRevision) {
        return switch (index) {
            case 0x00 -> 0x04;                           // PIDR4: JEP106 continuation code 4
            case 0x10 -> 0x00;                           // PIDR0: part number [7:0]
            case 0x14 -> 0xB0;                           // PIDR1: JEP106 identity [3:0], part number [11:8]
            case 0x18 -> (archRevision << 4) | 0x0B;     // PIDR2: ArchRev, JEDEC used, JEP106 identity [6:4]
            case 0x20 -> 0x0D;                           // CIDR0-3: the PrimeCell component ID
            case 0x24 -> 0xF0;
            case 0x28 -> 0x05;
            case 0x2C -> 0xB1;
            default -> 0;
        };
    }
}
