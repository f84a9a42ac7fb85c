package io.jqvm.config.model;

import java.util.List;
import java.util.Optional;

/** A typed argument of a vdev option or a {@code set} variable, parsed once by its schema. */
public sealed interface Value {
    /** An option without argument that is present, e.g. {@code legacy}. */
    record Flag() implements Value {
    }

    /** A number; also addresses and sizes, which accept K/M/G suffixes. */
    record Number(long value) implements Value {
    }

    record Text(String value) implements Value {
    }

    record Bool(boolean value) implements Value {
    }

    record Tristate(State value) implements Value {
        public enum State {
            ON, OFF, AUTO
        }
    }

    record Loc(Location location) implements Value {
    }

    /** One {@code intr} occurrence; the option may repeat and each may list several interrupts. */
    record Interrupts(List<Interrupt> interrupts) implements Value {
        public Interrupts {
            interrupts = List.copyOf(interrupts);
        }
    }

    /**
     * A {@code hostdev}: {@code <dev} input only, {@code >dev} output only, {@code dev} both. The target
     * {@code -} is jqvm's standard output (or input); a target starting with {@code |} is a shell command.
     */
    record HostDevice(Direction direction, String target) implements Value {
        public enum Direction {
            INPUT, OUTPUT, BOTH
        }

        /** The shell command when the target is a pipe ({@code |cmd}). */
        public Optional<String> pipeCommand() {
            return target.startsWith("|") ? Optional.of(target.substring(1)) : Optional.empty();
        }
    }

    /** {@code delayed secs|forever}: how long to keep retrying to open the host device. */
    record Delay(long seconds, boolean forever) implements Value {
    }

    /** Two comma-separated numbers, e.g. {@code reg 0x0b,0x02} or {@code size 800,480}. */
    record Pair(long first, long second) implements Value {
    }

    /** A MAC address, the 48 bits in the low bits of {@code address}. */
    record Mac(long address) implements Value {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            for (int shift = 40; shift >= 0; shift -= 8) {
                s.append(String.format("%02x", (address >>> shift) & 0xff)).append(shift > 0 ? ":" : "");
            }
            return s.toString();
        }
    }

    /** A comma-separated list of keywords, e.g. a watchdog {@code action dump,terminate}. */
    record Words(List<String> words) implements Value {
        public Words {
            words = List.copyOf(words);
        }
    }

    /**
     * A {@code pci-dummy} register override: {@code off/size=val}, or {@code Name=val} where the name
     * stands for its fixed offset and size in the configuration header.
     */
    record PciRegister(Optional<String> field, int offset, int size, long value) implements Value {
    }

    /** {@code [+|-]mask}: set these bits, clear them, or replace the whole mask. */
    record Mask(Operation operation, long mask) implements Value {
        public enum Operation {
            REPLACE, SET, CLEAR
        }
    }
}
