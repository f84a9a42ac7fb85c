package io.jqvm.mediator;

import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.Suggest;
import io.jqvm.config.lex.Sources;
import io.jqvm.config.lex.Token;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A mediator's configuration, in qvmconf's token syntax (words, {@code #} comments, quotes, {@code @file}
 * includes; see the mediator README):
 * <pre>
 * system disks                 (its runtime directory, {@code <runtime>/disks/}; default {@value #DEFAULT_SYSTEM})
 * threads 2
 * disk shared file /srv/shared.img [readonly] [serial ID]
 * client safety on shared socket /run/jqvm/mediator/safety.sock priority 10
 * client media  on shared [socket /srv/media.sock] priority 1 share 200 [burst 8] [backlog 32] [overflow refuse]
 * </pre>
 * A client's socket is {@code <runtime>/<system>/<client>.sock} unless {@code socket PATH} places it elsewhere.
 * Every mistake is a {@link ConfigException} at the word it was found at ({@code file:line:col}, exit 65).
 */
public record MediatorConfig(String system, int threads, List<Disk> disks, List<Client> clients) {
    /** The runtime directory's name when the configuration names no system. */
    public static final String DEFAULT_SYSTEM = "mediator";
    public static final int DEFAULT_THREADS = 2;
    public static final int MAX_THREADS = 32;
    /** Requests a client may have queued by default: half of a virtio-blk queue. */
    public static final int DEFAULT_BACKLOG = 128;
    public static final int MAX_BACKLOG = 32768;
    public static final int MAX_PRIORITY = 255;
    public static final long MAX_SHARE = 10_000_000;

    /** A disk image the mediator owns. */
    public record Disk(String name, Path file, boolean readOnly, String serial, Origin origin) {
    }

    /** What a client whose backlog is full gets for its next request. */
    public enum Overflow {
        /** It waits in the client's ring (back-pressure). */
        WAIT,
        /** It is answered at once with an I/O error (VIRTIO_BLK_S_IOERR). */
        REFUSE
    }

    /** One VM's connection point: its own socket (explicit, or empty for the runtime directory's), the disk behind it and how it is served. */
    public record Client(String name, String disk, Optional<Path> socket, PriorityScheduler.Policy policy, Overflow overflow,
            Origin origin) {
    }

    private static final Set<String> SECTIONS = Set.of("system", "threads", "disk", "client");
    private static final Set<String> DISK_OPTIONS = Set.of("file", "readonly", "serial");
    private static final Set<String> CLIENT_OPTIONS = Set.of("on", "socket", "priority", "share", "burst", "backlog", "overflow");

    /** Parses the tokens of {@code args} ({@code @file}s expanded), relative paths against {@code cwd}. */
    public static MediatorConfig parse(List<String> args, Path cwd) {
        return new Parser(Sources.expand(args, cwd), cwd).parse();
    }

    private static final class Parser {
        private final List<Token> tokens;
        private final Path cwd;
        private int at;

        Parser(List<Token> tokens, Path cwd) {
            this.tokens = tokens;
            this.cwd = cwd;
        }

        MediatorConfig parse() {
            Integer threads = null;
            String system = null;
            Map<String, Disk> disks = new LinkedHashMap<>();
            List<Client> clients = new ArrayList<>();
            List<Token> clientDisks = new ArrayList<>();
            while (at < tokens.size()) {
                Token t = tokens.get(at++);
                switch (t.text()) {
                    case "system" -> {
                        if (system != null) {
                            throw new ConfigException(t.origin(), "system is given twice");
                        }
                        system = name(next(t, "a system name"));
                    }
                    case "threads" -> {
                        if (threads != null) {
                            throw new ConfigException(t.origin(), "threads is given twice");
                        }
                        threads = (int) number(next(t, "a thread count"), 1, MAX_THREADS, "threads");
                    }
                    case "disk" -> {
                        Disk d = disk(t);
                        if (disks.putIfAbsent(d.name(), d) != null) {
                            throw new ConfigException(d.origin(), "disk " + Quote.of(d.name()) + " is defined twice");
                        }
                    }
                    case "client" -> {
                        Token[] on = new Token[1];
                        clients.add(client(t, on));
                        clientDisks.add(on[0]);
                    }
                    default -> throw new ConfigException(t.origin(), "unknown keyword " + Quote.of(t.text())
                            + " (a mediator configuration has system, threads, disk and client)" + Suggest.hint(t.text(), SECTIONS));
                }
            }
            if (clients.isEmpty()) {
                Origin end = tokens.isEmpty() ? Origin.commandLine(1) : tokens.getLast().origin();
                throw new ConfigException(end, "no client: a mediator serves at least one client (client NAME on DISK)");
            }
            Set<String> names = new HashSet<>();
            Map<Path, String> sockets = new HashMap<>();
            for (int i = 0; i < clients.size(); i++) {
                Client c = clients.get(i);
                if (!names.add(c.name())) {
                    throw new ConfigException(c.origin(), "client " + Quote.of(c.name()) + " is defined twice");
                }
                if (!disks.containsKey(c.disk())) {
                    throw new ConfigException(clientDisks.get(i).origin(), "client " + Quote.of(c.name())
                            + " is on disk " + Quote.of(c.disk()) + ", which no disk line defines"
                            + Suggest.hint(c.disk(), disks.keySet()));
                }
                String other = c.socket().map(path -> sockets.putIfAbsent(path, c.name())).orElse(null);
                if (other != null) {
                    throw new ConfigException(c.origin(), "client " + Quote.of(c.name()) + " has the socket of client "
                            + Quote.of(other) + " (" + c.socket().orElseThrow() + "): each client needs its own");
                }
            }
            return new MediatorConfig(system == null ? DEFAULT_SYSTEM : system, threads == null ? DEFAULT_THREADS : threads,
                    List.copyOf(disks.values()), List.copyOf(clients));
        }

        private Disk disk(Token keyword) {
            String name = name(next(keyword, "a disk name"));
            Path file = null;
            boolean readOnly = false;
            String serial = null;
            while (option(DISK_OPTIONS)) {
                Token o = tokens.get(at++);
                switch (o.text()) {
                    case "file" -> file = cwd.resolve(next(o, "an image file").text());
                    case "readonly" -> readOnly = true;
                    case "serial" -> serial = next(o, "a serial").text();
                    default -> throw new IllegalStateException(o.text());
                }
            }
            if (file == null) {
                throw new ConfigException(keyword.origin(), "disk " + Quote.of(name) + " has no file (disk NAME file PATH)");
            }
            return new Disk(name, file, readOnly, serial, keyword.origin());
        }

        private Client client(Token keyword, Token[] diskToken) {
            String name = name(next(keyword, "a client name"));
            String disk = null;
            Path socket = null;
            int priority = 0;
            long share = 0;
            Integer burst = null;
            int backlog = DEFAULT_BACKLOG;
            Overflow overflow = Overflow.WAIT;
            while (option(CLIENT_OPTIONS)) {
                Token o = tokens.get(at++);
                switch (o.text()) {
                    case "on" -> {
                        diskToken[0] = next(o, "a disk name");
                        disk = diskToken[0].text();
                    }
                    case "socket" -> socket = cwd.resolve(next(o, "a socket path").text());
                    case "priority" -> priority = (int) number(next(o, "a priority"), 0, MAX_PRIORITY, "priority");
                    case "share" -> share = number(next(o, "requests per second"), 1, MAX_SHARE, "share");
                    case "burst" -> burst = (int) number(next(o, "a request count"), 1, MAX_BACKLOG, "burst");
                    case "backlog" -> backlog = (int) number(next(o, "a request count"), 1, MAX_BACKLOG, "backlog");
                    case "overflow" -> {
                        Token v = next(o, "wait or refuse");
                        overflow = switch (v.text()) {
                            case "wait" -> Overflow.WAIT;
                            case "refuse" -> Overflow.REFUSE;
                            default -> throw new ConfigException(v.origin(), "overflow " + Quote.of(v.text())
                                    + " is neither wait nor refuse");
                        };
                    }
                    default -> throw new IllegalStateException(o.text());
                }
            }
            if (disk == null) {
                throw new ConfigException(keyword.origin(), "client " + Quote.of(name) + " has no disk (on DISK)");
            }
            if (burst != null && share == 0) {
                throw new ConfigException(keyword.origin(), "client " + Quote.of(name) + " has a burst but no share to refill it");
            }
            int b = burst != null ? burst : (int) Math.max(1, Math.min(MAX_BACKLOG, share / 10)); // a tenth of a second's worth
            return new Client(name, disk, Optional.ofNullable(socket), new PriorityScheduler.Policy(priority, share, b, backlog), overflow,
                    keyword.origin());
        }

        /** True when the next word is one of {@code options}; a word that is neither an option nor a section is an error. */
        private boolean option(Set<String> options) {
            if (at >= tokens.size()) {
                return false;
            }
            Token t = tokens.get(at);
            if (options.contains(t.text())) {
                return true;
            }
            if (SECTIONS.contains(t.text())) {
                return false;
            }
            Set<String> known = new HashSet<>(options);
            known.addAll(SECTIONS);
            throw new ConfigException(t.origin(), "unknown option " + Quote.of(t.text()) + Suggest.hint(t.text(), known));
        }

        private Token next(Token after, String what) {
            if (at >= tokens.size()) {
                throw new ConfigException(after.origin(), after.text() + " needs " + what);
            }
            return tokens.get(at++);
        }

        private static String name(Token t) {
            if (!t.text().matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")) {
                throw new ConfigException(t.origin(), "name " + Quote.of(t.text())
                        + " must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit");
            }
            return t.text();
        }

        private static long number(Token t, long min, long max, String what) {
            long v;
            try {
                v = Long.decode(t.text());
            } catch (NumberFormatException e) {
                throw new ConfigException(t.origin(), what + " " + Quote.of(t.text()) + " is not a number");
            }
            if (v < min || v > max) {
                throw new ConfigException(t.origin(), what + " " + v + " is outside " + min + ".." + max);
            }
            return v;
        }
    }
}
