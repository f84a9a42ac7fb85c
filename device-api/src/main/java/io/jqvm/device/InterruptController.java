package io.jqvm.device;

/**
 * A vdev that other vdevs route interrupts to, named in configurations as {@code intr name:line}
 * (e.g. {@code gic:33}, {@code ioapic:4}).
 */
public interface InterruptController {
    /** Number of input lines; {@code intr name:N} needs N below this. */
    int lineCount();

    /** The input line {@code n}, 0 &lt;= n &lt; lineCount(). */
    IrqLine line(int n);
}
