package io.jqvm.config.model;

/** The word before {@code load} or {@code pass} that says what the blob is. */
public enum BlobType {
    /** An extra ACPI table (x86 only). */
    ACPI("acpi"),
    /** Raw data copied as is. */
    DATA("data"),
    /** A Linux initial ramdisk. */
    INITRD("initrd"),
    /** An ARM flattened device tree; merged into the generated tree as an overlay. */
    FDT("fdt"),
    /** Seen in real configurations only, meaning undocumented: treated as a plain {@code load}. */
    GUEST("guest");

    private final String keyword;

    BlobType(String keyword) {
        this.keyword = keyword;
    }

    public String keyword() {
        return keyword;
    }
}
