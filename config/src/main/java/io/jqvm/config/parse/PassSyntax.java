package io.jqvm.config.parse;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.Location;
import io.jqvm.config.model.PassAttribute;
import io.jqvm.config.model.PassHost;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassInterruptSource;
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
        Optional<PassHost> host = Optional.empty();
        if (equals >= 0) {
            host = Optional.of(passHost(text, equals + 1, guest, origin));
        }
        if (guest instanceof Location.PciId && host.isPresent()) {
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + ": the guest side must be a slot (pci:bus:dev.func), not vid/did");
        }
        return new PassLocation(guest, length, attributes, host, origin);
    }

    /**
     * The host side of a pass location, starting at {@code text[start]}: qvm's host address (same space as the
     * guest side), or for memory jqvm's {@code file:PATH[@offset]}, {@code shm:NAME} or {@code uio:N/M}.
     * Errors point at the host part's column.
     */
    private static PassHost passHost(String text, int start, Location guest, Origin tokenOrigin) {
        String role = "pass loc";
        String hostText = text.substring(start);
        Origin origin = at(tokenOrigin, start);
        int colon = hostText.indexOf(':');
        String scheme = colon < 0 ? "" : hostText.substring(0, colon);
        String rest = colon < 0 ? "" : hostText.substring(colon + 1);
        boolean hostObject = scheme.equals("file") || scheme.equals("shm") || scheme.equals("uio");
        if (hostObject && guest.space() != Location.Space.MEM) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + ": " + scheme
                    + ": supplies memory; a " + guest.space().prefix() + ": location passes the host's own");
        }
        switch (scheme) {
            case "file" -> {
                int at = rest.lastIndexOf('@');
                if (at < rest.lastIndexOf('/')) {
                    at = -1; // an @ in a directory name is the path's
                }
                String path = at < 0 ? rest : rest.substring(0, at);
                if (path.isEmpty()) {
                    throw new ConfigException(origin, role + ": " + Quote.of(hostText) + " names no file (write file:PATH[@offset])");
                }
                long offset = at < 0 ? 0 : Values.size(rest.substring(at + 1), at(origin, colon + 1 + at + 1), role + " (file offset)");
                if (offset % PAGE != 0) {
                    throw new ConfigException(at(origin, colon + 1 + at + 1), role + ": file offset " + Quote.of(rest.substring(at + 1))
                            + " is not a multiple of 4K (memory is mapped in pages)");
                }
                return new PassHost.File(path, offset);
            }
            case "shm" -> {
                String name = rest.startsWith("/") ? rest.substring(1) : rest;
                if (name.isEmpty() || name.contains("/")) {
                    throw new ConfigException(origin, role + ": " + Quote.of(hostText)
                            + " is not a shared-memory object name (write shm:NAME, NAME without '/')");
                }
                return new PassHost.SharedMemory(name);
            }
            case "uio" -> {
                int slash = rest.indexOf('/');
                if (slash < 0) {
                    throw new ConfigException(origin, role + ": " + Quote.of(hostText) + " names no map (write uio:DEVICE/MAP, e.g. uio:0/0)");
                }
                int device = smallNumber(rest.substring(0, slash), at(origin, colon + 1), role + " (UIO device)");
                int map = smallNumber(rest.substring(slash + 1), at(origin, colon + 1 + slash + 1), role + " (UIO map)");
                return new PassHost.Uio(device, map);
            }
            default -> {
                Location host = Values.location(hostText, guest.space(), origin, role + " (host location)");
                if (host.space() != guest.space()) {
                    throw new ConfigException(origin, role + ": " + Quote.of(text) + " maps a " + guest.space().prefix()
                            + ": location to a " + host.space().prefix() + ": one");
                }
                return new PassHost.Address(host);
            }
        }
    }

    private static final long PAGE = 4096;

    /** The origin {@code offset} characters into the token (the same origin on the command line: one argument, one column). */
    private static Origin at(Origin token, int offset) {
        return token.file().equals(Origin.COMMAND_LINE) || token.line() == 0 ? token
                : new Origin(token.file(), token.line(), token.column() + offset);
    }

    private static int smallNumber(String text, Origin origin, String role) {
        long n = Values.number(text, origin, role);
        if (n < 0 || n > 0xffff) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + " is out of range (0-65535)");
        }
        return (int) n;
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
        Optional<PassInterruptSource> source = equals < 0 ? Optional.empty()
                : Optional.of(interruptSource(text.substring(equals + 1), at(origin, equals + 1)));
        return new PassInterrupt(guest, unmask, threaded, source, origin);
    }

    /** {@code host_vector} (qvm), {@code uio:N} or {@code eventfd:SOCKET_PATH}. */
    private static PassInterruptSource interruptSource(String text, Origin origin) {
        String role = "pass intr";
        if (text.startsWith("uio:")) {
            return new PassInterruptSource.Uio(smallNumber(text.substring(4), at(origin, 4), role + " (UIO device)"));
        }
        if (text.startsWith("eventfd:")) {
            if (text.length() == "eventfd:".length()) {
                throw new ConfigException(origin, role + ": " + Quote.of(text) + " names no socket (write eventfd:SOCKET_PATH)");
            }
            return new PassInterruptSource.Eventfd(text.substring("eventfd:".length()));
        }
        if (text.isEmpty() || !Character.isDigit(text.charAt(0)) && !text.startsWith("$")) {
            throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + " is not a host interrupt (write a host vector, uio:N or eventfd:SOCKET_PATH)");
        }
        return new PassInterruptSource.Vector(Values.number(text, origin, role + " (host vector)"));
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
