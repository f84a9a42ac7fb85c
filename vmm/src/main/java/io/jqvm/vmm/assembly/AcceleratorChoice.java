package io.jqvm.vmm.assembly;

import io.jqvm.accel.Accelerator;
import io.jqvm.common.Arch;
import io.jqvm.common.ExitStatus;
import io.jqvm.common.VmmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Picks the accelerator for a guest architecture: the one the configuration forces, else {@code kvm} when
 * the host runs the architecture natively, else the software CPU. When none can, the error lists why each
 * could not.
 */
public final class AcceleratorChoice {
    /** Preference order when nothing is forced: native execution first. */
    private static final List<String> PREFERENCE = List.of("kvm", "soft");

    private AcceleratorChoice() {
    }

    /** The accelerators on the class path, in preference order. */
    public static List<Accelerator> installed() {
        List<Accelerator> found = new ArrayList<>();
        ServiceLoader.load(Accelerator.class).forEach(found::add);
        found.sort((a, b) -> Integer.compare(rank(a.name()), rank(b.name())));
        return found;
    }

    private static int rank(String name) {
        int i = PREFERENCE.indexOf(name);
        return i < 0 ? PREFERENCE.size() : i;
    }

    /**
     * @param forced the accelerator the configuration names ({@code accel kvm}), if any
     * @throws VmmException with {@link ExitStatus#FATAL_BEFORE_START} when no accelerator can run the guest
     */
    public static Accelerator choose(Arch arch, Optional<String> forced, List<Accelerator> candidates) {
        List<String> reasons = new ArrayList<>();
        for (Accelerator a : candidates) {
            if (forced.isPresent() && !forced.get().equals(a.name())) {
                continue;
            }
            String why = a.unavailableReason(arch);
            if (why == null) {
                return a;
            }
            reasons.add(a.name() + ": " + why);
        }
        if (forced.isPresent() && reasons.isEmpty()) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START,
                    "accelerator " + forced.get() + " is not part of this jqvm build");
        }
        throw new VmmException(ExitStatus.FATAL_BEFORE_START, "no accelerator can run " + arch.label() + " guests here: "
                + String.join("; ", reasons));
    }

    public static String spelling(io.jqvm.config.model.Accel accel) {
        return accel.name().toLowerCase(Locale.ROOT);
    }
}
