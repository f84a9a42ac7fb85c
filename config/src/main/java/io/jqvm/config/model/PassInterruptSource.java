package io.jqvm.config.model;

/**
 * Where the host interrupt of a {@code pass intr} comes from, after its {@code =}. qvm writes a host vector;
 * Linux gives user space no vectors, so jqvm adds a UIO device and an eventfd handed over a Unix socket.
 */
public sealed interface PassInterruptSource {
    /** qvm's form: a host interrupt vector number. */
    record Vector(long vector) implements PassInterruptSource {
        @Override
        public String toString() {
            return Long.toString(vector);
        }
    }

    /** {@code uio:N}: {@code /dev/uioN} (a read returns the interrupt count, writing 1 re-enables it). */
    record Uio(int device) implements PassInterruptSource {
        @Override
        public String toString() {
            return "uio:" + device;
        }
    }

    /**
     * {@code eventfd:PATH}: connect to the Unix socket {@code PATH}, whose peer sends the trigger eventfd and,
     * optionally, a resample eventfd the VM signals at the guest's end of interrupt (SCM_RIGHTS).
     */
    record Eventfd(String socketPath) implements PassInterruptSource {
        @Override
        public String toString() {
            return "eventfd:" + socketPath;
        }
    }
}
