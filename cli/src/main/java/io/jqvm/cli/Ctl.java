package io.jqvm.cli;

import io.jqvm.api.ApiServer;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code jqvm ctl [--sock PATH | SYSTEM] COMMAND}: one request to a running VM's control API, its answer on
 * stdout (JSON, or Prometheus text for {@code metrics --prometheus}), an error on stderr. The request is
 * written by hand over the JDK's Unix-domain {@link SocketChannel}: the JDK's HttpClient cannot use a Unix
 * socket, and one HTTP/1.1 request does not warrant loading an HTTP client library into every call.
 *
 * <p>Exit status: 0 done, 1 the VM refused (its error on stderr), 2 usage, 69 no VM answers on the socket.
 */
final class Ctl {
    static final int REFUSED = 1;
    static final int USAGE = 2;
    static final int UNAVAILABLE = 69;
    /** Long enough for a pause (every vCPU stopped: up to 5 s) on a loaded host; a hung VM must not hang ctl. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    static final String HELP = """
            usage: jqvm ctl [--sock PATH | SYSTEM] COMMAND
              get                  the VM: state, uptime, vCPUs, devices, accelerator (GET /vm)
              pause | resume       stop every vCPU / let them run on (PUT /vm/state)
              power-button         press the board's power button: the guest shuts down cleanly
              reset | power-cut    restart the machine / end it at once (status 3)
              dump                 write a guest core where the 'dump' option says
              metrics [--prometheus]   counters as JSON, or in Prometheus' text format (GET /metrics)
            The socket is --sock PATH, else <runtime>/SYSTEM/api.sock, else the only VM running.
            Exit status: 0 done, 1 refused by the VM, 2 usage, 69 no VM answers.
            """;

    private static final Map<String, String> STATE_ACTIONS = Map.of("pause", "pause", "resume", "resume",
            "power-button", "power-button", "reset", "reset", "power-cut", "power-cut", "dump", "dump");

    private Ctl() {
    }

    /** An HTTP request line's parts and the reply's status and body. */
    record Request(String method, String target, String body) {
    }

    record Reply(int status, String body) {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.size() == 1 && (args.getFirst().equals("--help") || args.getFirst().equals("-h"))) {
            out.print(HELP);
            return 0;
        }
        Path socket;
        List<String> rest;
        try {
            if (args.size() >= 2 && args.getFirst().equals("--sock")) {
                socket = Path.of(args.get(1));
                rest = args.subList(2, args.size());
            } else if (!args.isEmpty() && !isCommand(args.getFirst())) {
                socket = RuntimeDirectory.root().resolve(args.getFirst()).resolve(ApiServer.SOCKET_NAME);
                rest = args.subList(1, args.size());
            } else {
                socket = onlySocket(RuntimeDirectory.root());
                rest = args;
            }
        } catch (IllegalArgumentException e) {
            err.println("jqvm ctl: " + e.getMessage());
            return USAGE;
        }
        Request request;
        try {
            request = request(rest);
        } catch (IllegalArgumentException e) {
            err.println("jqvm ctl: " + e.getMessage());
            err.print(HELP);
            return USAGE;
        }
        Reply reply;
        try {
            reply = exchange(socket, request);
        } catch (IOException e) {
            err.println("jqvm ctl: no VM answers on " + socket + ": " + e.getMessage());
            return UNAVAILABLE;
        }
        if (reply.status() / 100 == 2) {
            out.print(reply.body());
            return 0;
        }
        err.println("jqvm ctl: " + reply.status() + " " + reply.body().strip());
        return REFUSED;
    }

    private static boolean isCommand(String word) {
        return word.equals("get") || word.equals("metrics") || STATE_ACTIONS.containsKey(word);
    }

    static Request request(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("no command");
        }
        String name = command.getFirst();
        List<String> options = command.subList(1, command.size());
        if (name.equals("metrics") && (options.isEmpty() || options.equals(List.of("--prometheus")))) {
            return new Request("GET", options.isEmpty() ? "/metrics" : "/metrics?format=prometheus", "");
        }
        if (!options.isEmpty()) {
            throw new IllegalArgumentException(name + " takes no " + String.join(" ", options));
        }
        if (name.equals("get")) {
            return new Request("GET", "/vm", "");
        }
        String action = STATE_ACTIONS.get(name);
        if (action == null) {
            throw new IllegalArgumentException("unknown command " + name);
        }
        return new Request("PUT", "/vm/state", "{\"action\":\"" + action + "\"}");
    }

    /** The api.sock of the only VM in {@code root} that has one. */
    static Path onlySocket(Path root) {
        List<Path> sockets;
        try (Stream<Path> dirs = Files.list(root)) {
            sockets = dirs.map(d -> d.resolve(ApiServer.SOCKET_NAME)).filter(Files::exists).sorted().toList();
        } catch (IOException e) {
            sockets = List.of();
        }
        if (sockets.size() == 1) {
            return sockets.getFirst();
        }
        throw new IllegalArgumentException(sockets.isEmpty() ? "no VM with a control API runs here (" + root + ")"
                : "several VMs run here; name one (" + String.join(", ", sockets.stream()
                .map(s -> s.getParent().getFileName().toString()).toList()) + ") or give --sock PATH");
    }

    /** One HTTP/1.1 request with {@code Connection: close}; the reply is read to the end of the stream. */
    static Reply exchange(Path socket, Request request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(TIMEOUT);
                    channel.close();
                } catch (InterruptedException | IOException e) {
                    // done in time, or already closed
                }
            });
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                byte[] body = request.body().getBytes(StandardCharsets.UTF_8);
                String head = request.method() + " " + request.target() + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Accept: */*\r\nConnection: close\r\n"
                        + (body.length > 0 ? "Content-Type: application/json\r\n" : "")
                        + "Content-Length: " + body.length + "\r\n\r\n";
                ByteBuffer out = ByteBuffer.allocate(head.length() + body.length);
                out.put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                ByteArrayOutputStream in = new ByteArrayOutputStream();
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                while (channel.read(buffer) >= 0) {
                    in.write(buffer.array(), 0, buffer.position());
                    buffer.clear();
                }
                return parse(in.toByteArray());
            } finally {
                watchdog.interrupt();
            }
        }
    }

    /** Status line, headers, then a body that is either chunked or runs to the end (Connection: close). */
    static Reply parse(byte[] response) throws IOException {
        String text = new String(response, StandardCharsets.ISO_8859_1); // one char per byte: chunk sizes count bytes
        int headEnd = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || headEnd < 0 || text.length() < 12) {
            throw new IOException("not an HTTP response");
        }
        int status;
        try {
            status = Integer.parseInt(text.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status line: " + text.lines().findFirst().orElse(""));
        }
        String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
        String body = text.substring(headEnd + 4);
        String bytes = head.contains("\r\ntransfer-encoding: chunked") ? dechunk(body) : body;
        return new Reply(status, new String(bytes.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    private static String dechunk(String body) throws IOException {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (true) {
            int lineEnd = body.indexOf("\r\n", at);
            if (lineEnd < 0) {
                throw new IOException("truncated chunked body");
            }
            int size;
            try {
                size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0].strip(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size");
            }
            if (size == 0) {
                return out.toString();
            }
            at = lineEnd + 2;
            if (at + size > body.length()) {
                throw new IOException("truncated chunk");
            }
            out.append(body, at, at + size);
            at += size + 2;
        }
    }
}
