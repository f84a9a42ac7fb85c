package io.jqvm.config.model;

import io.jqvm.common.Hex;

import java.util.OptionalInt;

/** Where a device or passed-through resource sits: a guest-physical address, an I/O port or a PCI function. */
public sealed interface Location {
    /** The address spaces a location may name; {@code mem:} is the default of most vdevs. */
    enum Space {
        MEM("mem"), IO("io"), PCI("pci");

        private final String prefix;

        Space(String prefix) {
            this.prefix = prefix;
        }

        /** The spelling before the colon, e.g. {@code io}. */
        public String prefix() {
            return prefix;
        }
    }

    Space space();

    /** {@code mem:addr}: a guest-physical memory address. */
    record Memory(long address) implements Location {
        @Override
        public Space space() {
            return Space.MEM;
        }

        @Override
        public String toString() {
            return "mem:" + Hex.of(address);
        }
    }

    /** {@code io:port}: an x86 I/O port. */
    record Io(long port) implements Location {
        @Override
        public Space space() {
            return Space.IO;
        }

        @Override
        public String toString() {
            return "io:" + Hex.of(port);
        }
    }

    /** {@code pci:bus:dev[.func]}: a PCI bus/device/function; without a function the whole device. */
    record PciSlot(int bus, int device, OptionalInt function) implements Location {
        @Override
        public Space space() {
            return Space.PCI;
        }

        @Override
        public String toString() {
            return "pci:" + bus + ":" + device + (function.isPresent() ? "." + function.getAsInt() : "");
        }
    }

    /** {@code pci:vid/did}: the host PCI device with this vendor and device ID. */
    record PciId(int vendor, int device) implements Location {
        @Override
        public Space space() {
            return Space.PCI;
        }

        @Override
        public String toString() {
            return "pci:" + Hex.of(vendor, 4) + "/" + Hex.of(device, 4);
        }
    }
}
