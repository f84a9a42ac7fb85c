package io.jqvm.device;

/**
 * A device reached through CPU system-register instructions rather than the bus: the GICv3 CPU interface
 * ({@code ICC_*_EL1}). The CPU forwards MRS/MSR of the encodings this device claims.
 *
 * <p>Encodings are the MRS/MSR instruction's bits [20:5]:
 * {@code (op0 << 14) | (op1 << 11) | (CRn << 7) | (CRm << 3) | op2}.
 */
public interface SystemRegisterDevice {
    boolean claims(int encoding);

    long read(int cpu, int encoding);

    void write(int cpu, int encoding, long value);

    static int encoding(int op0, int op1, int crn, int crm, int op2) {
        return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
    }
}
