package io.jqvm.common;

/** Guest instruction-set architectures jqvm can run. */
public enum Arch {
    X86_64("x86_64"),
    AARCH64("aarch64");

    private final String label;

    Arch(String label) {
        this.label = label;
    }

    /** The name used in configurations and logs ({@code uname -m} spelling). */
    public String label() {
        return label;
    }

    /** The architecture of the host this JVM runs on, or null when jqvm knows no such guest architecture. */
    public static Arch host() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> null;
        };
    }
}
