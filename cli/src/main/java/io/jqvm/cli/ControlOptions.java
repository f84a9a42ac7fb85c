package io.jqvm.cli;

import io.jqvm.api.ApiServer;
import io.jqvm.api.MetricsFile;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.vmm.VmListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * jqvm's own flags, before the qvmconf tokens (Firecracker's names): {@code --api-sock PATH} (the control API's
 * socket instead of {@code <runtime>/<system>/api.sock}), {@code --no-api}, {@code --metrics-path FILE} and
 * {@code --metrics-interval SECONDS}. Only leading arguments are flags, so no qvmconf token is ever taken for one.
 */
record ControlOptions(boolean api, Optional<Path> apiSocket, Optional<Path> metricsPath, Duration metricsInterval,
                      List<String> tokens) {
    static final long MAX_INTERVAL_SECONDS = 86_400;

    static ControlOptions parse(List<String> args) {
        boolean api = true;
        Optional<Path> socket = Optional.empty();
        Optional<Path> metrics = Optional.empty();
        Duration interval = MetricsFile.DEFAULT_INTERVAL;
        int i = 0;
        while (i < args.size()) {
            String flag = args.get(i);
            switch (flag) {
                case "--no-api" -> api = false;
                case "--api-sock" -> socket = Optional.of(Path.of(value(args, i)));
                case "--metrics-path" -> metrics = Optional.of(Path.of(value(args, i)));
                case "--metrics-interval" -> interval = Duration.ofSeconds(seconds(args, i));
                default -> {
                    return finish(api, socket, metrics, interval, args.subList(i, args.size()), i);
                }
            }
            i += flag.equals("--no-api") ? 1 : 2;
        }
        return finish(api, socket, metrics, interval, List.of(), i);
    }

    private static ControlOptions finish(boolean api, Optional<Path> socket, Optional<Path> metrics, Duration interval,
                                         List<String> tokens, int at) {
        if (!api && socket.isPresent()) {
            throw new ConfigException(Origin.commandLine(at), "--no-api and --api-sock contradict each other");
        }
        return new ControlOptions(api, socket, metrics, interval, tokens);
    }

    private static String value(List<String> args, int i) {
        if (i + 1 >= args.size() || args.get(i + 1).isEmpty()) {
            throw new ConfigException(Origin.commandLine(i + 1), args.get(i) + " needs a path");
        }
        return args.get(i + 1);
    }

    private static long seconds(List<String> args, int i) {
        if (i + 1 < args.size()) {
            try {
                long s = Long.parseLong(args.get(i + 1));
                if (s >= 1 && s <= MAX_INTERVAL_SECONDS) {
                    return s;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new ConfigException(Origin.commandLine(i + 1), "--metrics-interval needs a whole number of seconds from 1 to "
                + MAX_INTERVAL_SECONDS);
    }

    /** The listeners these flags ask for: the API server unless {@code --no-api}, the metrics file if named. */
    VmListener listener() {
        List<VmListener> listeners = new ArrayList<>();
        if (api) {
            listeners.add(new ApiServer(apiSocket));
        }
        metricsPath.ifPresent(p -> listeners.add(new MetricsFile(p, metricsInterval)));
        return VmListener.all(List.copyOf(listeners));
    }
}
