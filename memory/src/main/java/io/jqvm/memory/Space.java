package io.jqvm.memory;

/** The two guest address spaces a claim or an access lives in: memory (MMIO and RAM) and x86 port I/O. */
public enum Space {
    MEM("mem"),
    IO("io");

    private final String label;

    Space(String label) {
        this.label = label;
    }

    /** The prefix used in configurations: {@code mem:} or {@code io:}. */
    public String label() {
        return label;
    }
}
