package io.jqvm.config.value;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.model.Value;

import java.util.Locale;

/** Boolean and tristate spellings shared by {@code set} variables and vdev options. */
public final class Switches {
    private Switches() {
    }

    /** {@code on/off}, {@code 1/0}, {@code yes/no}, {@code true/false}, in any case. */
    public static boolean bool(String text, Origin origin, String role) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "on", "1", "yes", "true" -> true;
            case "off", "0", "no", "false" -> false;
            default -> throw new ConfigException(origin, role + ": " + Quote.of(text)
                    + " is not a boolean (write on/off, 1/0, yes/no or true/false)");
        };
    }

    /** {@code on}, {@code off} or {@code auto} (the boolean spellings are accepted for on and off). */
    public static Value.Tristate.State tristate(String text, Origin origin, String role) {
        if (text.equalsIgnoreCase("auto")) {
            return Value.Tristate.State.AUTO;
        }
        try {
            return bool(text, origin, role) ? Value.Tristate.State.ON : Value.Tristate.State.OFF;
        } catch (ConfigException e) {
            throw new ConfigException(origin, role + ": " + Quote.of(text) + " is not on, off or auto");
        }
    }
}
