package io.jqvm.devices.arm;

/**
 * The PrimeCell identification registers at offsets 0xFE0-0xFFC of an AMBA peripheral: the four peripheral
 * ID bytes of the device's TRM (part number, designer, revision) then the component ID 0x0D, 0xF0, 0x05,
 * 0xB1 common to all PrimeCells. Linux's AMBA bus reads them to pick a driver, so a device without them is
 * never probed.
 */
record PrimeCellId(int periph0, int periph1, int periph2, int periph3) {
    private static final long FIRST = 0xFE0;
    private static final long LAST = 0xFFC;

    static boolean covers(long offset) {
        return offset >= FIRST && offset <= LAST;
    }

    /** The value of the 32-bit register holding one ID byte; only word-aligned offsets are registers. */
    int read(long offset) {
        if ((offset & 3) != 0) {
            return 0;
        }
        return switch ((int) (offset - FIRST) >> 2) {
            case 0 -> periph0;
            case 1 -> periph1;
            case 2 -> periph2;
            case 3 -> periph3;
            case 4 -> 0x0D;
            case 5 -> 0xF0;
            case 6 -> 0x05;
            default -> 0xB1;
        };
    }
}
