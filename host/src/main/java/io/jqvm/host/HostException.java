package io.jqvm.host;

/** A host system call failed: names the call and the errno with the C library's text for it. */
public final class HostException extends RuntimeException {
    private final int errno;

    public HostException(String call, int errno) {
        super(call + " failed: " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
