package io.jqvm.boot.acpi;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the ACPI tables describe of an x86 VM.
 *
 * @param apicIds          local APIC id of each vCPU, in ACPI processor UID order (UID = index)
 * @param ioapicId         the IOAPIC's id
 * @param ioapicBase       the IOAPIC's guest-physical register window
 * @param ioapicGsiBase    the first global system interrupt the IOAPIC serves
 * @param timerIoapicPin   IOAPIC input the PIT's ISA IRQ 0 is wired to: 2 on PCs (then the MADT carries
 *                         the IRQ0 -> GSI 2 override), 0 when wired straight through (no override)
 * @param pm1aEventPort    I/O port of the PM1a event block (status, enable; 2 x 16 bits)
 * @param pm1aControlPort  I/O port of the PM1a control register (16 bits)
 * @param pmTimerPort      I/O port of the 24-bit ACPI PM timer, 0 when there is none
 * @param sciInterrupt     ISA IRQ (and GSI) of the SCI, routed level-triggered, active-high
 * @param resetPort        I/O port of the FADT reset register, 0 when there is none
 * @param resetValue       byte to write there to reset the VM
 * @param hpet             the HPET, if the VM has one
 * @param pci              the PCI host bridge, if the VM has one (the DSDT's PCI0 and the MCFG table)
 */
public record AcpiPlatform(List<Integer> apicIds, int ioapicId, long ioapicBase, int ioapicGsiBase,
                           int timerIoapicPin, int pm1aEventPort, int pm1aControlPort, int pmTimerPort, int sciInterrupt,
                           int resetPort, int resetValue, Optional<Hpet> hpet, Optional<PciHost> pci) {
    /** The local APIC window every x86 CPU decodes at reset. */
    public static final long LOCAL_APIC_BASE = 0xfee00000L;

    /**
     * An HPET block.
     *
     * @param base     guest-physical register window (1 KiB)
     * @param timers   number of comparators (1-32), as the HPET's capabilities register reports
     * @param vendorId PCI vendor id in the capabilities register
     */
    public record Hpet(long base, int timers, int vendorId) {
        public Hpet {
            if (timers < 1 || timers > 32) {
                throw new IllegalArgumentException("an HPET has 1 to 32 timers, not " + timers);
            }
        }
    }

    /**
     * PCI segment 0: its ECAM, announced in the MCFG table for buses 0 to {@code buses - 1}, and the INTx routes
     * the DSDT's {@code _PRT} gives.
     */
    public record PciHost(long ecam, int buses, List<IntxRoute> routes) {
        public PciHost {
            routes = List.copyOf(routes);
            if (buses < 1 || buses > 256) {
                throw new IllegalArgumentException("an ECAM covers 1 to 256 buses, not " + buses);
            }
        }
    }

    /** Pin {@code pin} (1-4, INTA#-INTD#) of bus-0 device {@code device} raises global system interrupt {@code gsi}. */
    public record IntxRoute(int device, int pin, int gsi) {
        public IntxRoute {
            if (device < 0 || device > 31 || pin < 1 || pin > 4 || gsi < 0) {
                throw new IllegalArgumentException("no INTx route for device " + device + " pin " + pin + " to GSI " + gsi);
            }
        }
    }

    /** A platform without PCI. */
    public AcpiPlatform(List<Integer> apicIds, int ioapicId, long ioapicBase, int ioapicGsiBase, int timerIoapicPin,
                        int pm1aEventPort, int pm1aControlPort, int pmTimerPort, int sciInterrupt, int resetPort,
                        int resetValue, Optional<Hpet> hpet) {
        this(apicIds, ioapicId, ioapicBase, ioapicGsiBase, timerIoapicPin, pm1aEventPort, pm1aControlPort, pmTimerPort,
                sciInterrupt, resetPort, resetValue, hpet, Optional.empty());
    }

    public AcpiPlatform {
        apicIds = List.copyOf(apicIds);
        Objects.requireNonNull(hpet, "hpet");
        Objects.requireNonNull(pci, "pci");
        if (apicIds.isEmpty() || apicIds.size() > 255) {
            throw new IllegalArgumentException("ACPI tables describe 1 to 255 CPUs, not " + apicIds.size());
        }
        for (int id : apicIds) {
            if (id < 0 || id > 254) {
                throw new IllegalArgumentException("local APIC id " + id + " is outside 0-254");
            }
        }
        if (timerIoapicPin < 0 || timerIoapicPin > 23) {
            throw new IllegalArgumentException("the timer's IOAPIC pin must be 0-23, not " + timerIoapicPin);
        }
        if (sciInterrupt < 0 || sciInterrupt > 15) {
            throw new IllegalArgumentException("the SCI must be an ISA IRQ (0-15), not " + sciInterrupt);
        }
    }
}
