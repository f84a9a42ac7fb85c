package io.jqvm.config.value;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The value syntaxes shared by every option: numbers ({@code 123}, {@code 0x7b}, {@code 0d123}; a leading
 * zero does not mean octal), sizes and addresses (a number with an optional binary {@code K}, {@code M} or
 * {@code G} suffix in either case), locations and interrupts. All numbers are unsigned 64-bit. Each parser
 * reports a bad value at the origin of the token it came from, naming the offending text.
 */
public final class Values {
    private Values() {
    }

    private static final String NUMBER_SYNTAX = " is not a number (write 123, 0x7b or 0d123)";
    private static final String SIZE_SYNTAX = " is not a size or address (write 0x1000, 4096, 4K, 16M or 1G)";

    /** A number without size suffix. */
    public static long number(String text, Origin origin, String role) {
        rejectAsinfo(text, origin, role);
        return digits(text, text, origin, role, NUMBER_SYNTAX);
    }

    /** Parses {@code text}, the number part of {@code whole}; errors name {@code whole}. */
    private static long digits(String text, String whole, Origin origin, String role, String syntaxProblem) {
        int radix = 10;
        String digits = text;
        if (text.length() > 2 && text.charAt(0) == '0' && (text.charAt(1) == 'x' || text.charAt(1) == 'X')) {
            radix = 16;
            digits = text.substring(2);
        } else if (text.length() > 2 && text.charAt(0) == '0' && (text.charAt(1) == 'd' || text.charAt(1) == 'D')) {
            digits = text.substring(2);
        }
        if (digits.isEmpty() || !allDigits(digits, radix)) {
            throw new ConfigException(origin, role + ": " + Quote.of(whole) + syntaxProblem);
        }
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            throw new ConfigException(origin, role + ": " + Quote.of(whole) + " does not fit in 64 bits");
        }
    }

    /** A number that must lie in [min, max] (unsigned). */
    public static long number(String text, Origin origin, String role, long min, long max) {
        long value = number(text, origin, role);
        if (Long.compareUnsigned(value, min) < 0 || Long.compareUnsigned(value, max) > 0) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + " is out of range "
                    + Long.toUnsignedString(min) + ".." + Long.toUnsignedString(max));
        }
        return value;
    }

    /** A size or address: a number with an optional binary K, M or G suffix ({@code 4096M}, {@code 0x1000}). */
    public static long size(String text, Origin origin, String role) {
        rejectAsinfo(text, origin, role);
        int shift = text.isEmpty() ? 0 : switch (text.charAt(text.length() - 1)) {
            case 'k', 'K' -> 10;
            case 'm', 'M' -> 20;
            case 'g', 'G' -> 30;
            default -> 0;
        };
        String number = shift == 0 ? text : text.substring(0, text.length() - 1);
        long value = digits(number, text, origin, role, SIZE_SYNTAX);
        if (shift > 0 && Long.compareUnsigned(value, -1L >>> shift) > 0) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + " does not fit in 64 bits");
        }
        return value << shift;
    }

    /**
     * A location in a configuration that wrote no space prefix lies in {@code defaultSpace}; only memory
     * and I/O locations can be written without prefix.
     */
    public static Location location(String text, Location.Space defaultSpace, Origin origin, String role) {
        rejectAsinfo(text, origin, role);
        int colon = text.indexOf(':');
        if (colon < 0) {
            return plainLocation(text, defaultSpace, origin, role);
        }
        String space = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        return switch (space) {
            case "mem" -> plainLocation(rest, Location.Space.MEM, origin, role);
            case "io" -> plainLocation(rest, Location.Space.IO, origin, role);
            case "pci" -> pci(rest, text, origin, role);
            default -> throw new ConfigException(origin, role + ": unknown location space " + Quote.of(space + ":")
                    + " in " + Quote.of(text) + " (use mem:, io: or pci:)");
        };
    }

    private static Location plainLocation(String text, Location.Space space, Origin origin, String role) {
        if (space == Location.Space.IO) {
            long port = size(text, origin, role);
            if (Long.compareUnsigned(port, 0xffff) > 0) {
                throw new ConfigException(origin, role + ": I/O port " + Quote.of(text) + " is above 0xffff");
            }
            return new Location.Io(port);
        }
        if (space == Location.Space.PCI) {
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + " needs the pci: prefix (pci:bus:dev[.func] or pci:vid/did)");
        }
        return new Location.Memory(size(text, origin, role));
    }

    private static Location pci(String rest, String whole, Origin origin, String role) {
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            int vendor = (int) number(rest.substring(0, slash), origin, role + " (PCI vendor ID)", 0, 0xffff);
            int device = (int) number(rest.substring(slash + 1), origin, role + " (PCI device ID)", 0, 0xffff);
            return new Location.PciId(vendor, device);
        }
        int colon = rest.indexOf(':');
        if (colon < 0) {
            throw new ConfigException(origin, role + ": " + Quote.of(whole)
                    + " is not a PCI location (write pci:bus:dev[.func] or pci:vid/did)");
        }
        int bus = (int) number(rest.substring(0, colon), origin, role + " (PCI bus)", 0, 255);
        String deviceFunction = rest.substring(colon + 1);
        int dot = deviceFunction.indexOf('.');
        String deviceText = dot < 0 ? deviceFunction : deviceFunction.substring(0, dot);
        int device = (int) number(deviceText, origin, role + " (PCI device)", 0, 31);
        OptionalInt function = dot < 0 ? OptionalInt.empty()
                : OptionalInt.of((int) number(deviceFunction.substring(dot + 1), origin, role + " (PCI function)", 0, 7));
        return new Location.PciSlot(bus, device, function);
    }

    /** {@code controller:line}; with {@code bareLineAllowed} also a plain line number. */
    public static Interrupt interrupt(String text, Origin origin, String role, boolean bareLineAllowed) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            if (bareLineAllowed && !text.isEmpty() && Character.isDigit(text.charAt(0))) {
                return new Interrupt(Optional.empty(), number(text, origin, role));
            }
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + " is not an interrupt (write controller:line, e.g. gic:37)");
        }
        String controller = text.substring(0, colon);
        if (controller.isEmpty()) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + " names no interrupt controller before ':'");
        }
        return new Interrupt(Optional.of(controller), number(text.substring(colon + 1), origin, role + " (interrupt line)"));
    }

    /** A comma-separated list of interrupts, e.g. {@code ioapic:2,ioapic:8}. */
    public static List<Interrupt> interrupts(String text, Origin origin, String role) {
        List<Interrupt> list = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            list.add(interrupt(part, origin, role, false));
        }
        return list;
    }

    private static void rejectAsinfo(String text, Origin origin, String role) {
        if (text.contains("$asinfo")) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + ": host asinfo is QNX-specific; give the address");
        }
    }

    private static boolean allDigits(String s, int radix) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), radix) < 0 || s.charAt(i) > 0x7f) {
                return false;
            }
        }
        return true;
    }
}
