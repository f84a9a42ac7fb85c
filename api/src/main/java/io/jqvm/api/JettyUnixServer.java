package io.jqvm.api;

import java.nio.file.Path;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * Jetty on a Unix socket, apart from {@link ApiServer} so that nothing of Jetty is loaded (or verified) while a
 * VM starts: only the thread that starts the server, later, touches this class. Its threads are daemons.
 */
final class JettyUnixServer {
    private final Server server;

    private JettyUnixServer(Server server) {
        this.server = server;
    }

    /** Listens on {@code path} and answers through {@code routes}; throws when it cannot. */
    static JettyUnixServer start(Path path, Routes routes) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool(8, 1);
        pool.setName("jqvm-api");
        pool.setDaemon(true);
        Server s = new Server(pool, new ScheduledExecutorScheduler("jqvm-api-scheduler", true), null);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(s, 1, 1, new HttpConnectionFactory());
        connector.setUnixDomainPath(path);
        s.addConnector(connector);
        s.setHandler(new ApiHandler(routes));
        try {
            s.start();
        } catch (Exception e) {
            stopQuietly(s);
            throw e;
        }
        return new JettyUnixServer(s);
    }

    void stop() {
        stopQuietly(server);
    }

    private static void stopQuietly(Server s) {
        try {
            s.stop();
        } catch (Exception e) {
            io.jqvm.common.Log.debug(() -> "control API stop: " + e);
        }
    }
}
