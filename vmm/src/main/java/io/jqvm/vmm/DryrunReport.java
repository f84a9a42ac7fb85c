package io.jqvm.vmm;

import io.jqvm.common.Hex;
import io.jqvm.memory.AddressMap;
import io.jqvm.vmm.assembly.Assembly;
import java.util.List;
import java.util.Locale;

/**
 * The assembled VM as a user wants to see it before running it: the guest-physical and I/O maps sorted by
 * address (base, end, size, kind, owner, configuration line), the vCPUs with their host scheduling, the
 * interrupt wiring, and what the boot images became.
 */
public final class DryrunReport {
    private DryrunReport() {
    }

    public static String render(Assembly a) {
        StringBuilder out = new StringBuilder();
        out.append("VM ").append(a.name()).append(": ").append(a.arch().label()).append(" guest, accelerator ")
                .append(a.accelerator() != null ? a.accelerator().name() : "none (" + a.acceleratorProblem() + ")")
                .append('\n');
        for (io.jqvm.memory.Space space : io.jqvm.memory.Space.values()) {
            List<AddressMap.Claim> claims = a.map().claims().stream().filter(c -> c.space() == space).toList();
            if (claims.isEmpty()) {
                continue;
            }
            out.append('\n').append(space == io.jqvm.memory.Space.MEM ? "guest-physical memory map" : "I/O port map").append('\n');
            int digits = space == io.jqvm.memory.Space.MEM ? 9 : 4;
            out.append(String.format("  %-" + (digits + 2) + "s %-" + (digits + 2) + "s %8s  %-8s %-32s %s%n",
                    "base", "end", "size", "kind", "owner", "configured at"));
            for (AddressMap.Claim c : claims) {
                out.append(String.format("  %-" + (digits + 2) + "s %-" + (digits + 2) + "s %8s  %-8s %-32s %s%n",
                        Hex.of(c.base(), digits), Hex.of(c.base() + c.size() - 1, digits), Hex.size(c.size()),
                        c.kind().name().toLowerCase(Locale.ROOT), c.owner(), c.origin()));
            }
        }
        out.append("\nvCPUs\n");
        for (int i = 0; i < a.scheduling().size(); i++) {
            out.append("  vCPU ").append(i).append(": thread ").append(a.name()).append("-vcpu").append(i).append(", ")
                    .append(a.scheduling().get(i).describe()).append('\n');
        }
        out.append("\ndevices\n");
        for (String d : a.devices()) {
            out.append("  ").append(d).append('\n');
        }
        if (!a.wires().isEmpty()) {
            out.append("\ninterrupt wiring\n");
            for (Assembly.Wire w : a.wires()) {
                out.append("  ").append(w.source()).append(" -> ").append(w.interrupt()).append("  (").append(w.origin())
                        .append(")\n");
            }
        }
        out.append("\nboot\n");
        if (a.bootNotes().isEmpty()) {
            out.append("  no image loaded\n");
        }
        for (String n : a.bootNotes()) {
            out.append("  ").append(n).append('\n');
        }
        return out.toString();
    }
}
