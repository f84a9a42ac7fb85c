package io.jqvm.common;

/**
 * Root of the errors jqvm reports to a user: each carries the exit status the process ends with and a
 * message that is printed as is (no stack trace). Programming errors stay ordinary runtime exceptions.
 */
public class VmmException extends RuntimeException {
    private final ExitStatus status;

    public VmmException(ExitStatus status, String message) {
        super(message);
        this.status = status;
    }

    public VmmException(ExitStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public ExitStatus status() {
        return status;
    }
}
