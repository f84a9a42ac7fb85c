package io.jqvm.accel.kvm;

import io.jqvm.common.Arch;
import io.jqvm.host.HostException;
import io.jqvm.host.Libc;
import io.jqvm.kvm.ioctl.KvmSystem;
import io.jqvm.kvm.sys.KvmConstants;
import java.util.EnumSet;
import java.util.Set;

/** The start-up checks: host architecture, {@code /dev/kvm} access, API version, capabilities. */
final class KvmHost {
    /** What every VM needs, whatever its spec. */
    static final Set<KvmCapability> ALWAYS_NEEDED = EnumSet.of(KvmCapability.USER_MEMORY, KvmCapability.SET_TSS_ADDR,
            KvmCapability.SET_IDENTITY_MAP_ADDR, KvmCapability.EXT_CPUID, KvmCapability.VCPU_EVENTS,
            KvmCapability.IMMEDIATE_EXIT);
    private static final int ENOENT = 2;
    private static final int ENXIO = 6;
    private static final int EACCES = 13;
    private static final int ENODEV = 19;

    private KvmHost() {
    }

    /** Null when x86-64 guests can run here, otherwise a sentence saying why not and what to do. */
    static String unavailableReason(Arch guest) {
        String unsupported = architectureProblem(guest);
        if (unsupported != null) {
            return unsupported;
        }
        KvmSystem kvm;
        try {
            kvm = KvmSystem.open();
        } catch (HostException e) {
            return openFailure(e.errno());
        }
        try (kvm) {
            return checkVersionAndCapabilities(kvm, ALWAYS_NEEDED);
        } catch (HostException e) {
            return KvmSystem.DEVICE + ": " + e.getMessage();
        }
    }

    /** Null when this host and guest architecture are ones jqvm's kvm supports, otherwise why not. */
    static String architectureProblem(Arch guest) {
        if (Arch.host() != Arch.X86_64) {
            return "kvm in jqvm needs an x86_64 host; this host is " + System.getProperty("os.arch") + " — use accel soft";
        }
        if (guest != Arch.X86_64) {
            return "kvm runs only x86_64 guests on this x86_64 host, not " + guest.label() + " — use accel soft";
        }
        return null;
    }

    /** Why {@code open("/dev/kvm")} failing with {@code errno} makes kvm unusable, and what to do. */
    static String openFailure(int errno) {
        String what = KvmSystem.DEVICE + ": " + Libc.strerror(errno) + " — ";
        return what + switch (errno) {
            case ENOENT -> "load the kvm module or use accel soft";
            case EACCES, Libc.EPERM -> "give this user read-write access to " + KvmSystem.DEVICE
                    + " (usually the kvm group) or use accel soft";
            case ENXIO, ENODEV -> "enable hardware virtualization in the firmware or use accel soft";
            default -> "use accel soft";
        };
    }

    /** Null when {@code kvm} speaks API version 12 and has every capability in {@code needed}. */
    static String checkVersionAndCapabilities(KvmSystem kvm, Set<KvmCapability> needed) {
        int version = kvm.apiVersion();
        if (version != KvmConstants.API_VERSION) {
            return KvmSystem.DEVICE + " speaks KVM API version " + version + ", jqvm needs version "
                    + KvmConstants.API_VERSION + " — use accel soft";
        }
        for (KvmCapability c : needed) {
            if (kvm.checkExtension(c.number()) <= 0) {
                return c.missingReason();
            }
        }
        return null;
    }
}
