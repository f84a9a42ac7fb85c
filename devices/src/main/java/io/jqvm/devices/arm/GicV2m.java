package io.jqvm.devices.arm;

import io.jqvm.common.Hex;
import io.jqvm.device.BusDevice;
import io.jqvm.device.GuestAccessLog;
import io.jqvm.device.InterruptController;
import io.jqvm.device.MsiController;

/**
 * A GICv2m MSI frame (Arm Server Base System Architecture, appendix E), as QEMU's virt board has beside its
 * GICv2: a 4 KiB frame whose MSI_SETSPI_NS register turns a write of an INTID into an edge on that SPI, one of
 * a contiguous range MSI_TYPER announces. A device's MSI (a write of its data to the frame's doorbell) and a
 * CPU's store to the register arrive the same way.
 */
public final class GicV2m implements BusDevice, MsiController {
    public static final long FRAME_SIZE = 0x1000;
    static final int MSI_TYPER = 0x008;
    static final int MSI_SETSPI_NS = 0x040;
    static final int MSI_IIDR = 0xfcc;

    private final long base;
    private final InterruptController gic;
    private final int firstIntid;
    private final int count;
    private final GuestAccessLog accessLog = new GuestAccessLog("GICv2m");

    /** A frame at guest-physical {@code base} raising INTIDs {@code firstIntid .. firstIntid + count - 1} of {@code gic}. */
    public GicV2m(long base, InterruptController gic, int firstIntid, int count) {
        if (firstIntid < 32 || count < 1 || count > 0x3ff || firstIntid + count > gic.lineCount()) {
            throw new IllegalArgumentException("GICv2m SPIs " + firstIntid + "+" + count + " do not fit the GIC");
        }
        this.base = base;
        this.gic = gic;
        this.firstIntid = firstIntid;
        this.count = count;
    }

    /** The doorbell address devices write their MSI data to. */
    public long doorbell() {
        return base + MSI_SETSPI_NS;
    }

    @Override
    public long read(int vcpu, long offset, int size) {
        if (offset == MSI_TYPER && size == 4) {
            return (long) firstIntid << 16 | count;
        }
        if (offset == MSI_IIDR && size == 4) {
            return 0; // no implementer quirks for Linux to apply
        }
        return 0;
    }

    @Override
    public void write(int vcpu, long offset, int size, long value) {
        if (offset == MSI_SETSPI_NS && (size == 4 || size == 2)) {
            raise((int) value);
        } else {
            accessLog.report(size + "-byte write of " + Hex.of(offset) + " = " + Hex.of(value));
        }
    }

    @Override
    public void signal(long address, int data) {
        if (address == doorbell()) {
            raise(data);
        } else {
            accessLog.report("MSI to " + Hex.of(address) + ", which is not this frame's doorbell " + Hex.of(doorbell()));
        }
    }

    private void raise(int intid) {
        if (intid < firstIntid || intid >= firstIntid + count) {
            accessLog.report("MSI for INTID " + Integer.toUnsignedString(intid) + ", outside the frame's " + firstIntid + "-"
                    + (firstIntid + count - 1));
            return;
        }
        gic.line(intid).pulse();
    }
}
