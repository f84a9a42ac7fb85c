package io.jqvm.vmm.pass.vfio;

import java.nio.file.Path;

/**
 * Where VFIO pass-through meets the host: the kernel interface and the sysfs root it discovers devices in. A VM
 * uses Linux's unless a caller {@link #BOUND binds} another around assembling it, which is how the tests put a
 * simulated device and a sysfs tree of their own behind a whole {@code pass loc pci:} configuration.
 */
public record VfioHost(VfioKernel kernel, Path sysfs) {
    public static final ScopedValue<VfioHost> BOUND = ScopedValue.newInstance();

    /** The bound host, else Linux's ({@code /dev/vfio}, {@code /sys}). */
    public static VfioHost current() {
        return BOUND.isBound() ? BOUND.get() : new VfioHost(new LinuxVfioKernel(), Path.of("/sys"));
    }
}
