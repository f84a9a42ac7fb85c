package io.jqvm.config.vdev;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.Value;
import io.jqvm.config.value.Switches;
import io.jqvm.config.value.Values;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One option a vdev accepts: its name, how many arguments it takes (qvm's vdev options take none or one;
 * jqvm's {@code passt} takes an optional one), whether it may repeat (otherwise the last occurrence wins)
 * and how its argument is parsed.
 *
 * @param syntax how the option is written, for messages and documentation, e.g. {@code threads n}
 * @param valueType the class of {@link Value} the parser produces
 */
public record OptionSpec(String name, String syntax, Arity arity, boolean repeatable,
                         Class<? extends Value> valueType, Parser parser) {
    /** Whether the option is followed by an argument. */
    public enum Arity {
        NONE,
        ONE,
        /**
         * The next token is the argument unless it is another option of the same vdev or a top-level option
         * (a path that collides with such a word is written {@code ./word}). Without it the option's value is
         * {@link Value.Flag}.
         */
        OPTIONAL
    }

    /** Whether the option must be followed by an argument. */
    public boolean takesArgument() {
        return arity == Arity.ONE;
    }
    /** Parses the argument text of one occurrence (unused for flags). */
    @FunctionalInterface
    public interface Parser {
        Value parse(String text, Origin origin, String role);
    }

    /** This option, allowed to repeat; each occurrence is kept. */
    public OptionSpec asRepeatable() {
        return new OptionSpec(name, syntax, arity, true, valueType, parser);
    }

    /** Parses one occurrence's argument; {@code origin} is the argument's token. */
    public Value parse(String vdevType, String text, Origin origin) {
        return parser.parse(text, origin, "vdev " + vdevType + " " + name);
    }

    public static OptionSpec flag(String name) {
        return new OptionSpec(name, name, Arity.NONE, false, Value.Flag.class, (t, o, r) -> new Value.Flag());
    }

    public static OptionSpec number(String name, String argument, long min, long max) {
        return new OptionSpec(name, name + " " + argument, Arity.ONE, false, Value.Number.class,
                (t, o, r) -> new Value.Number(Values.number(t, o, r, min, max)));
    }

    /** Permission bits as chmod and umask write them: octal digits (a leading 0 allowed), at most 0777. */
    public static OptionSpec permissions(String name) {
        return new OptionSpec(name, name + " octal", Arity.ONE, false, Value.Number.class,
                (t, o, r) -> new Value.Number(octalPermissions(t, o, r)));
    }

    /** Octal permission bits, e.g. {@code 0660} or {@code 22}. */
    public static long octalPermissions(String text, io.jqvm.config.Origin origin, String role) {
        if (text.isEmpty() || text.length() > 4 || !text.chars().allMatch(c -> c >= '0' && c <= '7')
                || Long.parseLong(text, 8) > 0777) {
            throw new ConfigException(origin, role + ": " + io.jqvm.config.Quote.of(text)
                    + " is not octal permission bits (0 to 0777, e.g. 0660)");
        }
        return Long.parseLong(text, 8);
    }

    /** An address or size, K/M/G suffixes allowed. */
    public static OptionSpec address(String name) {
        return new OptionSpec(name, name + " addr", Arity.ONE, false, Value.Number.class,
                (t, o, r) -> new Value.Number(Values.size(t, o, r)));
    }

    /** Free text that must not be empty. */
    public static OptionSpec text(String name, String argument) {
        return new OptionSpec(name, name + " " + argument, Arity.ONE, false, Value.Text.class, (t, o, r) -> {
            if (t.isEmpty()) {
                throw new ConfigException(o, r + ": the " + argument + " must not be empty");
            }
            return new Value.Text(t);
        });
    }

    /**
     * An option with an optional text argument, e.g. {@code passt} (jqvm starts one) or {@code passt PATH}
     * (connect to a running one). Given alone, its value is {@link Value.Flag}; with an argument, {@link Value.Text}.
     */
    public static OptionSpec optionalText(String name, String argument) {
        return new OptionSpec(name, name + " [" + argument + "]", Arity.OPTIONAL, false, Value.class, (t, o, r) -> {
            if (t.isEmpty()) {
                throw new ConfigException(o, r + ": the " + argument + " must not be empty");
            }
            return new Value.Text(t);
        });
    }

    /** Text of at most {@code maxBytes} UTF-8 bytes, not empty. */
    public static OptionSpec boundedText(String name, String argument, int maxBytes) {
        return new OptionSpec(name, name + " " + argument, Arity.ONE, false, Value.Text.class, (t, o, r) -> {
            int bytes = t.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (t.isEmpty() || bytes > maxBytes) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " must be 1 to " + maxBytes + " bytes long, it is " + bytes);
            }
            return new Value.Text(t);
        });
    }

    /** One keyword out of {@code choices}, kept as {@link Value.Text}. */
    public static OptionSpec choice(String name, String... choices) {
        List<String> allowed = List.of(choices);
        return new OptionSpec(name, name + " " + String.join("|", choices), Arity.ONE, false, Value.Text.class, (t, o, r) -> {
            if (!allowed.contains(t)) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not one of " + String.join(", ", choices));
            }
            return new Value.Text(t);
        });
    }

    public static OptionSpec bool(String name) {
        return new OptionSpec(name, name + " on|off", Arity.ONE, false, Value.Bool.class,
                (t, o, r) -> new Value.Bool(Switches.bool(t, o, r)));
    }

    /** {@code loc}, read in the vdev's default space when no prefix is written. */
    public static OptionSpec location(Location.Space defaultSpace) {
        return new OptionSpec("loc", "loc [mem:|io:|pci:]location", Arity.ONE, false, Value.Loc.class,
                (t, o, r) -> new Value.Loc(Values.location(t, defaultSpace, o, r)));
    }

    /** {@code intr controller:line[,controller:line...]}, repeatable. */
    public static OptionSpec interrupts() {
        return new OptionSpec("intr", "intr controller:line[,...]", Arity.ONE, true, Value.Interrupts.class,
                (t, o, r) -> new Value.Interrupts(Values.interrupts(t, o, r)));
    }

    /**
     * {@code hostdev [<|>]target}, repeatable. Block devices pass {@code outputAllowed=false}: a disk is
     * read-write or read-only ({@code <}), never write-only.
     */
    public static OptionSpec hostdev(boolean outputAllowed) {
        String syntax = outputAllowed ? "hostdev [<|>]device" : "hostdev [<]file";
        return new OptionSpec("hostdev", syntax, Arity.ONE, outputAllowed, Value.HostDevice.class, (t, o, r) -> {
            Value.HostDevice.Direction direction = Value.HostDevice.Direction.BOTH;
            String target = t;
            if (t.startsWith("<")) {
                direction = Value.HostDevice.Direction.INPUT;
                target = t.substring(1);
            } else if (t.startsWith(">")) {
                if (!outputAllowed) {
                    throw new ConfigException(o, r + ": " + Quote.of(t) + ": '>' (write-only) is not allowed here; use "
                            + Quote.of(t.substring(1)) + " or " + Quote.of("<" + t.substring(1)));
                }
                direction = Value.HostDevice.Direction.OUTPUT;
                target = t.substring(1);
            }
            if (target.isEmpty() || target.equals("|")) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " names no host device");
            }
            return new Value.HostDevice(direction, target);
        });
    }

    /** {@code delayed secs|forever}. */
    public static OptionSpec delay() {
        return new OptionSpec("delayed", "delayed secs|forever", Arity.ONE, false, Value.Delay.class,
                (t, o, r) -> t.equals("forever") ? new Value.Delay(0, true)
                        : new Value.Delay(Values.number(t, o, r + " (seconds or forever)"), false));
    }

    /** Two comma-separated numbers. */
    public static OptionSpec pair(String name, String argument) {
        return new OptionSpec(name, name + " " + argument, Arity.ONE, false, Value.Pair.class, (t, o, r) -> {
            int comma = t.indexOf(',');
            if (comma < 0) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not " + argument);
            }
            return new Value.Pair(Values.number(t.substring(0, comma), o, r), Values.number(t.substring(comma + 1), o, r));
        });
    }

    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}");

    /** Six hex bytes separated by colons. */
    public static OptionSpec mac(String name) {
        return new OptionSpec(name, name + " xx:xx:xx:xx:xx:xx", Arity.ONE, false, Value.Mac.class, (t, o, r) -> {
            if (!MAC.matcher(t).matches()) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not a MAC address (write six hex bytes, 02:00:00:00:00:01)");
            }
            long address = 0;
            for (String octet : t.split(":")) {
                address = address << 8 | Integer.parseInt(octet, 16);
            }
            return new Value.Mac(address);
        });
    }

    /**
     * A watchdog {@code action}: qvm's {@code [dump,]terminate} or {@code [dump,]fiq} (where the board has an
     * FIQ), and jqvm's {@code [dump,]reset}, which restarts the machine as QEMU's {@code -watchdog-action reset}.
     */
    public static OptionSpec watchdogAction(boolean fiq) {
        String kinds = fiq ? "terminate|reset|fiq" : "terminate|reset";
        return new OptionSpec("action", "action [dump,]" + kinds, Arity.ONE, false, Value.Words.class, (t, o, r) -> {
            List<String> words = List.of(t.split(",", -1));
            String last = words.getLast();
            boolean valid = (last.equals("terminate") || last.equals("reset") || fiq && last.equals("fiq"))
                    && (words.size() == 1 || words.size() == 2 && words.getFirst().equals("dump"));
            if (!valid) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not [dump,]terminate, [dump,]reset"
                        + (fiq ? " or [dump,]fiq" : " (x86 has no FIQ)"));
            }
            return new Value.Words(words);
        });
    }

    /** {@code [+|-]mask}. */
    public static OptionSpec mask(String name) {
        return new OptionSpec(name, name + " [+|-]mask", Arity.ONE, false, Value.Mask.class, (t, o, r) -> {
            Value.Mask.Operation operation = t.startsWith("+") ? Value.Mask.Operation.SET
                    : t.startsWith("-") ? Value.Mask.Operation.CLEAR : Value.Mask.Operation.REPLACE;
            String digits = operation == Value.Mask.Operation.REPLACE ? t : t.substring(1);
            try {
                return new Value.Mask(operation, Values.number(digits, o, r));
            } catch (ConfigException e) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not a mask (write [+|-]number, e.g. +0x10)");
            }
        });
    }

    /** PCI configuration-header fields {@code pci-dummy} may override by name: name, offset, size. */
    private record PciField(String name, int offset, int size) {
    }

    private static final List<PciField> PCI_FIELDS = List.of(
            new PciField("Vendor_ID", 0x00, 2), new PciField("Device_ID", 0x02, 2),
            new PciField("Revision_ID", 0x08, 1), new PciField("Class_Code0", 0x09, 1),
            new PciField("Class_Code1", 0x0a, 1), new PciField("Class_Code2", 0x0b, 1),
            new PciField("Header_Type", 0x0e, 1), new PciField("Sub_Vendor_ID", 0x2c, 2),
            new PciField("Sub_System_ID", 0x2e, 2));

    /** {@code reg off/size=val} (size 1, 2, 4 or 8) or {@code reg Name=val}, repeatable. */
    public static OptionSpec pciRegister() {
        return new OptionSpec("reg", "reg offset/size=value|Name=value", Arity.ONE, true, Value.PciRegister.class, (t, o, r) -> {
            int equals = t.indexOf('=');
            if (equals < 0) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " has no '=value'");
            }
            String target = t.substring(0, equals);
            int slash = target.indexOf('/');
            if (slash < 0) {
                List<String> names = new ArrayList<>();
                for (PciField field : PCI_FIELDS) {
                    names.add(field.name());
                    if (field.name().equals(target)) {
                        long value = Values.number(t.substring(equals + 1), o, r, 0, (1L << (8 * field.size())) - 1);
                        return new Value.PciRegister(Optional.of(target), field.offset(), field.size(), value);
                    }
                }
                throw new ConfigException(o, r + ": unknown register " + Quote.of(target)
                        + " (write offset/size or one of " + String.join(", ", names) + ")");
            }
            int offset = (int) Values.number(t.substring(0, slash), o, r + " (offset)", 0, 0xfff);
            int size = (int) Values.number(target.substring(slash + 1), o, r + " (size)", 1, 8);
            if (!Set.of(1, 2, 4, 8).contains(size)) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + ": register size " + size + " is not 1, 2, 4 or 8");
            }
            long max = size == 8 ? -1L : (1L << (8 * size)) - 1;
            return new Value.PciRegister(Optional.empty(), offset, size, Values.number(t.substring(equals + 1), o, r, 0, max));
        });
    }

    /** {@code create name,size[,mode[,gid]]} for shared memory: the size accepts K/M/G. */
    public static OptionSpec shmemCreate() {
        return new OptionSpec("create", "create name,size[,mode[,gid]]", Arity.ONE, true, Value.Words.class, (t, o, r) -> {
            String[] parts = t.split(",", -1);
            if (parts.length < 2 || parts.length > 4 || parts[0].isEmpty()) {
                throw new ConfigException(o, r + ": " + Quote.of(t) + " is not name,size[,mode[,gid]]");
            }
            Values.size(parts[1], o, r + " (size)");
            if (parts.length > 2) {
                octalPermissions(parts[2], o, r + " (mode)");
            }
            if (parts.length > 3) {
                Values.number(parts[3], o, r + " (gid)", 0, Integer.MAX_VALUE);
            }
            return new Value.Words(List.of(parts));
        });
    }
}
