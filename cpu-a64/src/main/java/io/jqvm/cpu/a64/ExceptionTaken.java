package io.jqvm.cpu.a64;

/**
 * Unwinds the interpreter out of the current instruction once the CPU state already reflects the change
 * (an exception was entered, or the instruction needs the run loop: WFI, power off). Preallocated and
 * stackless: it is control flow on the guest's path, not an error.
 */
final class ExceptionTaken extends RuntimeException {
    static final ExceptionTaken INSTANCE = new ExceptionTaken();

    private ExceptionTaken() {
        super("guest control transfer", null, false, false);
    }
}
