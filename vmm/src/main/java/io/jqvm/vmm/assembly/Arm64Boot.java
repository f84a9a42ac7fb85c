package io.jqvm.vmm.assembly;

/** AArch64 boot: device tree, kernel, initrd. */
final class Arm64Boot {
    private Arm64Boot() {
    }

    static void load(Assembly a, BootImages images) {
        if (images.image().isPresent()) {
            throw new UnsupportedOperationException("arm64 loader arrives with the boot.arm64 package");
        }
    }
}
