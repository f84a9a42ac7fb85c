package io.jqvm.config.parse;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassAttribute;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassLocation;
import io.jqvm.config.model.ReserveSpec;
import io.jqvm.config.value.Values;

import java.util.EnumSet;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The arguments of {@code pass} and {@code reserve} context options. A pass location is
 * {@code [space:]region[,length][,attrs][=host]}, which covers both the QNX 7.x form
 * ({@code loc spec[,len][,attrs][=host]}) and the 8.0 form ({@code loc region,length,attrs=host}):
 * a field after the region that starts with a digit is the length, one made of attribute letters the
 * attributes.
 */
final class PassSyntax {
    private static final Set<PassAttribute> SYSTEM_RAM_IMPLIES = EnumSet.of(PassAttribute.READ, PassAttribute.WRITE,
            PassAttribute.EXECUTE, PassAttribute.CACHEABLE, PassAttribute.S, PassAttribute.T, PassAttribute.NO_DMA);

    private PassSyntax() {
    }

    static PassLocation passLocation(String text, Origin origin) {
        String role = "pass loc";
        int equals = text.indexOf('=');
        String guestPart = equals < 0 ? text : text.substring(0, equals);
        String[] fields = guestPart.split(",", -1);
        if (fields.length > 3) {
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + " has too many fields (write [space:]region[,length][,attrs][=host])");
        }
        Location guest = Values.location(fields[0], Location.Space.MEM, origin, role);
        OptionalLong length = OptionalLong.empty();
        Optional<Set<PassAttribute>> attributes = Optional.empty();
        for (int i = 1; i < fields.length; i++) {
            String field = fields[i];
            boolean numeric = !field.isEmpty() && (Character.isDigit(field.charAt(0)) || field.startsWith("$"));
            if (numeric && i == 1) {
                length = OptionalLong.of(Values.size(field, origin, role + " (length)"));
                if (length.getAsLong() == 0) {
                    throw new ConfigException(origin, role + ": length " + Quote.of(field) + " must not be 0");
                }
            } else if (!numeric && attributes.isEmpty()) {
                attributes = Optional.of(attributes(field, origin));
            } else {
                throw new ConfigException(origin, role + ": unexpected field " + Quote.of(field) + " in " + Quote.of(text)
                        + " (write [space:]region[,length][,attrs][=host])");
            }
        }
        if (guest.space() == Location.Space.PCI && fields.length > 1) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + ": a PCI location takes no length or attributes");
        }
        Optional<Location> host = Optional.empty();
        if (equals >= 0) {
            String hostText = text.substring(equals + 1);
            Location.Space hostSpace = guest.space();
            host = Optional.of(Values.location(hostText, hostSpace, origin, role + " (host location)"));
            if (host.get().space() != guest.space()) {
                throw new ConfigException(origin, role + ": " + Quote.of(text) + " maps a " + guest.space().prefix()
                        + ": location to a " + host.get().space().prefix() + ": one");
            }
        }
        if (guest instanceof Location.PciId && host.isPresent()) {
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + ": the guest side must be a slot (pci:bus:dev.func), not vid/did");
        }
        return new PassLocation(guest, length, attributes, host, origin);
    }

    /**
     * Attribute letters. {@code +} (the initial mode) adds the letters that follow, {@code -} removes them;
     * {@code m} also adds r, w, x, c, s, t and n, and excludes {@code d}.
     */
    static Set<PassAttribute> attributes(String text, Origin origin) {
        if (text.isEmpty()) {
            throw new ConfigException(origin, "pass loc: empty attribute field");
        }
        Set<PassAttribute> set = EnumSet.noneOf(PassAttribute.class);
        boolean adding = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '+' || c == '-') {
                adding = c == '+';
                continue;
            }
            PassAttribute a = PassAttribute.of(c);
            if (a == null) {
                throw new ConfigException(origin, "pass loc: unknown attribute " + Quote.of(String.valueOf(c)) + " in "
                        + Quote.of(text) + " (attributes: + - r w x c e m d n s t)");
            }
            if (adding) {
                set.add(a);
                if (a == PassAttribute.SYSTEM_RAM) {
                    set.addAll(SYSTEM_RAM_IMPLIES);
                }
            } else {
                set.remove(a);
            }
        }
        if (set.contains(PassAttribute.SYSTEM_RAM) && set.contains(PassAttribute.DMA)) {
            throw new ConfigException(origin, "pass loc: attributes " + Quote.of(text) + " combine 'm' with 'd', which it excludes");
        }
        return set;
    }

    /** {@code guest_intr[,u][,t][=host_vector]}. */
    static PassInterrupt passInterrupt(String text, Origin origin) {
        String role = "pass intr";
        int equals = text.indexOf('=');
        String guestPart = equals < 0 ? text : text.substring(0, equals);
        String[] fields = guestPart.split(",", -1);
        Interrupt guest = Values.interrupt(fields[0], origin, role, false);
        boolean unmask = false;
        boolean threaded = false;
        for (int i = 1; i < fields.length; i++) {
            switch (fields[i]) {
                case "u" -> unmask = true;
                case "t" -> threaded = true;
                default -> throw new ConfigException(origin, role + ": unknown flag " + Quote.of(fields[i]) + " in "
                        + Quote.of(text) + " (flags: u = unmask at once, t = interrupt thread)");
            }
        }
        OptionalLong hostVector = equals < 0 ? OptionalLong.empty()
                : OptionalLong.of(Values.number(text.substring(equals + 1), origin, role + " (host vector)"));
        return new PassInterrupt(guest, unmask, threaded, hostVector, origin);
    }

    /** {@code mem:region,length} (length required), {@code io:port[,length]} or {@code pci:bus:dev[.func]}. */
    static ReserveSpec.Range reserveLocation(String text, Origin origin) {
        String role = "reserve loc";
        int comma = text.indexOf(',');
        Location location = Values.location(comma < 0 ? text : text.substring(0, comma), Location.Space.MEM, origin, role);
        OptionalLong length = comma < 0 ? OptionalLong.empty()
                : OptionalLong.of(Values.size(text.substring(comma + 1), origin, role + " (length)"));
        switch (location) {
            case Location.Memory _ when length.isEmpty() ->
                    throw new ConfigException(origin, role + ": " + Quote.of(text) + ": a memory range needs a length (start,length)");
            case Location.PciSlot _ when length.isPresent() ->
                    throw new ConfigException(origin, role + ": " + Quote.of(text) + ": a PCI slot takes no length");
            case Location.PciId _ ->
                    throw new ConfigException(origin, role + ": " + Quote.of(text) + ": reserve a PCI slot (pci:bus:dev[.func])");
            default -> {
            }
        }
        if (length.isPresent() && length.getAsLong() == 0) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + ": the length must not be 0");
        }
        return new ReserveSpec.Range(location, length, origin);
    }
}
