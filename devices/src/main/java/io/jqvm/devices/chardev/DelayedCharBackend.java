package io.jqvm.devices.chardev;

import io.jqvm.common.Log;
import io.jqvm.device.CharBackend;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A host device opened the qvm {@code delayed} way: not when the VM starts but on a thread of its own, tried
 * again every second until it opens or the time is up ({@code delayed 0} tries once, {@code delayed forever}
 * never stops). Until then the device behaves as a line with nobody on it: output is dropped, no input.
 */
final class DelayedCharBackend implements CharBackend {
    static final long RETRY_MILLIS = 1000;

    private final String what;
    private final Thread opener;
    private CharBackend opened;          // guarded by this; null until open
    private Runnable listener = () -> { };
    private volatile CharBackend current = CharBackend.NULL;
    private boolean closed;

    /**
     * @param open    opens the real backend, throwing {@link HostDevException} while it cannot
     * @param seconds how long to keep trying, or -1 for ever
     */
    DelayedCharBackend(String what, Supplier<CharBackend> open, long seconds) {
        this.what = what;
        this.opener = Thread.ofPlatform().daemon().name("hostdev-delayed " + what).unstarted(() -> keepTrying(open, seconds));
        opener.start();
    }

    private void keepTrying(Supplier<CharBackend> open, long seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(seconds, 0));
        while (true) {
            try {
                attach(open.get());
                return;
            } catch (HostDevException e) {
                if (seconds >= 0 && System.nanoTime() - deadline >= 0) {
                    Log.warn(e.getMessage() + " (gave up after delayed " + seconds + ")");
                    return;
                }
            }
            try {
                Thread.sleep(RETRY_MILLIS);
            } catch (InterruptedException e) {
                return; // closed
            }
        }
    }

    private synchronized void attach(CharBackend backend) {
        if (closed) {
            backend.close();
            return;
        }
        opened = backend;
        current = backend;
        backend.onInput(listener);
        Log.info("hostdev " + what + " opened");
    }

    boolean isOpen() {
        return current != CharBackend.NULL;
    }

    @Override
    public void write(int b) {
        current.write(b);
    }

    @Override
    public int read() {
        return current.read();
    }

    @Override
    public synchronized void onInput(Runnable l) {
        listener = l;
        if (opened != null) {
            opened.onInput(l);
        }
    }

    @Override
    public void close() {
        opener.interrupt();
        synchronized (this) {
            closed = true;
            current = CharBackend.NULL;
            if (opened != null) {
                opened.close();
            }
        }
    }
}
