package io.jqvm.mediator;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * {@code jqvm mediator @mediator.conf [more tokens…]}: runs a mediator until SIGTERM, SIGINT or SIGHUP, then exits
 * with status 3 as a VM whose power is cut (what the systemd unit counts as a clean stop). A bad configuration
 * exits 65 with one {@code file:line:col: message} line; a socket that cannot be listened on, 64.
 */
public final class MediatorCommand {
    private MediatorCommand() {
    }

    public static int run(List<String> args) {
        try (Mediator mediator = new Mediator(MediatorConfig.parse(args, Path.of("").toAbsolutePath()),
                RuntimeDirectory.root())) {
            CountDownLatch stop = new CountDownLatch(1);
            String[] signal = new String[1];
            for (String name : new String[] {"TERM", "INT", "HUP"}) {
                Signal.handle(new Signal(name), s -> {
                    signal[0] = "SIG" + name;
                    stop.countDown();
                });
            }
            mediator.start();
            stop.await();
            Log.info("mediator: stopped by " + signal[0] + " (" + mediator.statistics() + ")");
            return ExitStatus.POWER_CUT.code();
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            return e.status().code();
        } catch (VmmException e) {
            Log.fatal("mediator: " + e.getMessage());
            return e.status().code();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.FATAL_AFTER_START.code();
        }
    }
}
