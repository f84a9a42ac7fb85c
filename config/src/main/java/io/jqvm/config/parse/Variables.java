package io.jqvm.config.parse;

import io.jqvm.common.Arch;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.Suggest;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.Variable;
import io.jqvm.config.model.Variable.Scope;
import io.jqvm.config.model.Variable.Type;
import io.jqvm.config.value.Switches;
import io.jqvm.config.value.Values;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The variables {@code set} knows, from the qvm reference. No documented variable has the CPU as its
 * implicit context, so a {@code set} in a cpu context applies a global variable to the VM.
 * The types of {@code posted-interrupts} and {@code virtual-interrupts} are not documented; jqvm takes them
 * as tristates (auto = use the host feature when present).
 */
public final class Variables {
    private static final Set<Arch> BOTH = Set.of(Arch.X86_64, Arch.AARCH64);
    private static final Set<Arch> ARM = Set.of(Arch.AARCH64);
    private static final Set<Arch> X86 = Set.of(Arch.X86_64);
    private static final Map<String, Variable> KNOWN = new LinkedHashMap<>();

    static {
        define("counter-offset", Scope.GLOBAL, Type.NUMBER, BOTH, "host minus guest timestamp counter; all-ones starts the guest at 0");
        define("debug", Scope.VDEV, Type.BOOLEAN, BOTH, "include the vdev in the status report");
        define("exit-on-halt", Scope.GLOBAL, Type.BOOLEAN, BOTH, "WFI/HLT make the vCPU leave the guest");
        define("fdt-dump-file", Scope.GLOBAL, Type.STRING, BOTH, "write the generated FDT to this file");
        define("grow-heap", Scope.GLOBAL, Type.ADDRESS, BOTH, "pre-grow the VMM heap");
        define("message-block-timeout", Scope.GLOBAL, Type.NUMBER, BOTH, "milliseconds to wait on a blocked message");
        define("vdev-message-block-timeout", Scope.VDEV, Type.NUMBER, BOTH, "per-vdev message-block-timeout");
        define("slog-buffer", Scope.GLOBAL, Type.ADDRESS, BOTH, "system log buffer size");
        define("gic-hwassist", Scope.GLOBAL, Type.BOOLEAN, ARM, "use the host GIC's virtualization support");
        define("host-paddr-gicd", Scope.GLOBAL, Type.ADDRESS, ARM, "host GIC distributor physical address");
        define("host-paddr-gich", Scope.GLOBAL, Type.ADDRESS, ARM, "host GIC hypervisor interface physical address");
        define("host-paddr-gicv", Scope.GLOBAL, Type.ADDRESS, ARM, "host GIC virtual CPU interface physical address");
        define("pointer-authentication", Scope.GLOBAL, Type.BOOLEAN, ARM, "expose pointer authentication to the guest");
        define("legacy-free", Scope.GLOBAL, Type.BOOLEAN, X86, "no legacy PC devices");
        define("posted-interrupts", Scope.GLOBAL, Type.TRISTATE, X86, "use posted interrupts");
        define("virtual-interrupts", Scope.GLOBAL, Type.TRISTATE, X86, "use virtual interrupt delivery");
    }

    private Variables() {
    }

    private static void define(String name, Scope scope, Type type, Set<Arch> archs, String description) {
        KNOWN.put(name, new Variable(name, scope, type, archs, description));
    }

    public static Collection<Variable> all() {
        return KNOWN.values();
    }

    /** The variable called {@code name}, or an error listing the known ones. */
    public static Variable lookup(String name, Origin origin) {
        Variable v = KNOWN.get(name);
        if (v == null) {
            throw new ConfigException(origin, "unknown variable " + Quote.of(name) + Suggest.hint(name, KNOWN.keySet())
                    + " (known variables: " + String.join(", ", KNOWN.keySet()) + ")");
        }
        return v;
    }

    /** Parses {@code text} as a value of {@code v}'s type. */
    public static Value parse(Variable v, String text, Origin origin) {
        String role = "set " + v.name();
        return switch (v.type()) {
            case ADDRESS -> new Value.Number(Values.size(text, origin, role));
            case NUMBER -> new Value.Number(Values.number(text, origin, role));
            case BOOLEAN -> new Value.Bool(Switches.bool(text, origin, role));
            case TRISTATE -> new Value.Tristate(Switches.tristate(text, origin, role));
            case STRING -> {
                if (text.isEmpty()) {
                    throw new ConfigException(origin, role + ": the value must not be empty");
                }
                yield new Value.Text(text);
            }
        };
    }
}
