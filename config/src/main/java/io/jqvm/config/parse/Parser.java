package io.jqvm.config.parse;

import io.jqvm.common.Arch;
import io.jqvm.common.Log;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Origin;
import io.jqvm.config.Quote;
import io.jqvm.config.Suggest;
import io.jqvm.config.lex.Token;
import io.jqvm.config.model.Accel;
import io.jqvm.config.model.BlobType;
import io.jqvm.config.model.ConfigWarning;
import io.jqvm.config.model.CpuSpec;
import io.jqvm.config.model.DumpSpec;
import io.jqvm.config.model.GdbSpec;
import io.jqvm.config.model.Interrupt;
import io.jqvm.config.model.LoadSpec;
import io.jqvm.config.model.LoggerSpec;
import io.jqvm.config.model.MemoryRegion;
import io.jqvm.config.model.PassInterrupt;
import io.jqvm.config.model.PassLocation;
import io.jqvm.config.model.PassSpec;
import io.jqvm.config.model.ReserveSpec;
import io.jqvm.config.model.Safety;
import io.jqvm.config.model.Sched;
import io.jqvm.config.model.Setting;
import io.jqvm.config.model.Unsupported;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.Variable;
import io.jqvm.config.model.VdevOption;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.config.model.VmSpec;
import io.jqvm.config.value.Values;
import io.jqvm.config.vdev.OptionSpec;
import io.jqvm.config.vdev.VdevCatalog;
import io.jqvm.config.vdev.VdevSchema;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Reads the token stream into a {@link VmSpec}. One pass, in order: {@code cpu}, {@code vdev},
 * {@code pass} and {@code reserve} open a context that lasts until the next of them; a word that is an
 * option of the open context is taken as such (so a vdev option shadows a top-level option of the same
 * name), anything else must be a top-level option, which leaves the context open. Within a context a
 * repeated non-repeatable option replaces the earlier one; a repeated singleton top-level option
 * ({@code cmdline}, {@code dump}, ...) likewise, so the command line can override a file.
 */
public final class Parser {
    private static final List<String> TOP_LEVEL = List.of("system", "ram", "rom", "cpu", "load", "cmdline", "pass",
            "reserve", "vdev", "set", "logger", "unsupported", "tolerance", "dump", "safety", "dryrun", "debug",
            "gdb", "suppress", "arch", "accel", "acpi", "data", "initrd", "fdt", "guest");
    private static final List<String> CPU_OPTIONS = List.of("sched", "runmask", "partition", "cluster", "set");
    private static final List<String> PASS_OPTIONS = List.of("loc", "intr", "unsafe");
    private static final List<String> RESERVE_OPTIONS = List.of("loc", "intr");
    private static final long PAGE = 4096;

    private final List<Token> tokens;
    private final Path cwd;
    private int next;

    private Optional<String> system = Optional.empty();
    private final List<MemoryRegion> memory = new ArrayList<>();
    private long memoryEnd;
    private final List<CpuSpec> cpus = new ArrayList<>();
    private final List<LoadSpec> loads = new ArrayList<>();
    private Optional<String> cmdline = Optional.empty();
    private final List<PassSpec> passes = new ArrayList<>();
    private final List<ReserveSpec> reserves = new ArrayList<>();
    private final List<VdevSpec> vdevs = new ArrayList<>();
    private final Map<String, Origin> vdevNames = new HashMap<>();
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private final List<LoggerSpec> loggers = new ArrayList<>();
    private final Map<Unsupported.Kind, Unsupported.Action> unsupported = new EnumMap<>(Unsupported.Kind.class);
    private OptionalLong tolerance = OptionalLong.empty();
    private Optional<DumpSpec> dump = Optional.empty();
    private Optional<GdbSpec> gdb = Optional.empty();
    private Optional<Safety> safety = Optional.empty();
    private boolean dryrun;
    private boolean debug;
    private Optional<Arch> arch = Optional.empty();
    private Optional<Accel> accel = Optional.empty();
    private final List<ConfigWarning> warnings = new ArrayList<>();

    private Context context;

    private Parser(List<Token> tokens, Path cwd) {
        this.tokens = tokens;
        this.cwd = cwd;
    }

    /** Parses the whole stream; {@code cwd} resolves relative {@code load} and {@code dump} paths. */
    public static VmSpec parse(List<Token> tokens, Path cwd) {
        return new Parser(tokens, cwd).run();
    }

    private VmSpec run() {
        while (next < tokens.size()) {
            Token token = tokens.get(next++);
            if (context == null || !context.option(token)) {
                topLevel(token);
            }
        }
        closeContext();
        VmSpec spec = new VmSpec(system, memory, cpus, loads, cmdline, passes, reserves, vdevs, settings, loggers,
                unsupported, tolerance, dump, gdb, safety, dryrun, debug, arch, accel, warnings);
        arch.ifPresent(spec::checkArchitecture);
        return spec;
    }

    private void topLevel(Token option) {
        switch (option.text()) {
            case "system" -> system(option);
            case "ram" -> memory(option, MemoryRegion.Kind.RAM);
            case "rom" -> memory(option, MemoryRegion.Kind.ROM);
            case "cpu" -> open(new CpuContext(option));
            case "load" -> load(option, Optional.empty(), option.origin());
            case "cmdline" -> cmdline = Optional.of(argument(option, "cmdline \"text\"").text());
            case "pass" -> open(new PassContext(option, Optional.empty(), option.origin()));
            case "reserve" -> open(new ReserveContext(option));
            case "vdev" -> vdev(option);
            case "set" -> set(option);
            case "logger" -> logger(option);
            case "unsupported" -> unsupported(option);
            case "tolerance" -> {
                Token value = argument(option, "tolerance µs");
                tolerance = OptionalLong.of(Values.number(value.text(), value.origin(), "tolerance", 1, Integer.MAX_VALUE));
            }
            case "dump" -> dump(option);
            case "safety" -> safety = Optional.of(keyword(option, "safety none|warn|required", Safety.class));
            case "dryrun" -> dryrun = true;
            case "debug" -> debug = true;
            case "gdb" -> gdb(option);
            case "suppress" -> ignored(option);
            case "arch" -> arch(option);
            case "accel" -> accel = Optional.of(keyword(option, "accel kvm|soft", Accel.class));
            case "acpi", "data", "initrd", "fdt", "guest" -> blob(option);
            default -> unknown(option);
        }
    }

    private void unknown(Token option) {
        String word = option.text();
        if (context != null) {
            List<String> both = new ArrayList<>(context.options());
            both.addAll(TOP_LEVEL);
            throw new ConfigException(option.origin(), "unknown option " + Quote.of(word) + " for " + context.describe()
                    + Suggest.hint(word, both) + " (" + context.describe() + " options: "
                    + String.join(", ", context.options()) + "; or a top-level option)");
        }
        throw new ConfigException(option.origin(), "unknown option " + Quote.of(word) + Suggest.hint(word, TOP_LEVEL)
                + " (options: " + String.join(", ", TOP_LEVEL) + ")");
    }

    /** The next token as the argument of {@code option}; a missing one is reported at the option. */
    private Token argument(Token option, String syntax) {
        if (next >= tokens.size()) {
            throw new ConfigException(option.origin(), Quote.of(option.text()) + " needs an argument: " + syntax);
        }
        return tokens.get(next++);
    }

    private <E extends Enum<E>> E keyword(Token option, String syntax, Class<E> type) {
        Token value = argument(option, syntax);
        for (E e : type.getEnumConstants()) {
            if (e.name().toLowerCase(Locale.ROOT).equals(value.text())) {
                return e;
            }
        }
        throw new ConfigException(value.origin(), option.text() + ": " + Quote.of(value.text()) + " is not valid (write "
                + syntax + ")");
    }

    private void system(Token option) {
        if (next != 1) {
            throw new ConfigException(option.origin(), "\"system\" must be the first entry of the configuration");
        }
        Token name = argument(option, "system name");
        if (name.text().isEmpty() || name.text().contains("/")) {
            throw new ConfigException(name.origin(), "system: " + Quote.of(name.text())
                    + " is not a VM name (it must be non-empty and contain no '/')");
        }
        system = Optional.of(name.text());
    }

    private void memory(Token option, MemoryRegion.Kind kind) {
        String keyword = option.text();
        Token value = argument(option, keyword + " [start,]length");
        String text = value.text();
        Origin at = value.origin();
        int comma = text.indexOf(',');
        if (comma >= 0 && text.indexOf(',', comma + 1) >= 0) {
            throw new ConfigException(at, keyword + ": " + Quote.of(text) + " has too many fields (write [start,]length)");
        }
        boolean baseGiven = comma >= 0;
        long base = baseGiven ? Values.size(text.substring(0, comma), at, keyword + " start") : memoryEnd;
        long size = Values.size(baseGiven ? text.substring(comma + 1) : text, at, keyword + " length");
        if (size == 0) {
            throw new ConfigException(at, keyword + ": the length in " + Quote.of(text) + " must not be 0");
        }
        if (size < 0) {
            throw new ConfigException(at, keyword + ": the length in " + Quote.of(text)
                    + " is 2^63 bytes or more, beyond what a host process can map");
        }
        if (base % PAGE != 0 || size % PAGE != 0) {
            throw new ConfigException(at, keyword + ": " + Quote.of(text) + " is not a multiple of 4K in "
                    + (base % PAGE != 0 ? "start" : "length"));
        }
        if (Long.compareUnsigned(base + size, base) <= 0) {
            throw new ConfigException(at, keyword + ": " + Quote.of(text) + " ends beyond the 64-bit address space");
        }
        MemoryRegion region = new MemoryRegion(kind, base, size, baseGiven, option.origin());
        memory.add(region);
        if (Long.compareUnsigned(region.end(), memoryEnd) > 0) {
            memoryEnd = region.end();
        }
    }

    /** {@code entry} is where the entry starts: the blob type if there is one, else {@code load}. */
    private void load(Token option, Optional<BlobType> type, Origin entry) {
        String keyword = type.map(t -> t.keyword() + " load").orElse("load");
        Token value = argument(option, keyword + " [addr,]path");
        String text = value.text();
        OptionalLong address = OptionalLong.empty();
        String file = text;
        int comma = text.indexOf(',');
        // An address is digits; "./1,x" is how to load a file whose name starts with a digit and has a comma.
        if (comma > 0 && Character.isDigit(text.charAt(0))) {
            address = OptionalLong.of(Values.size(text.substring(0, comma), value.origin(), keyword + " address"));
            file = text.substring(comma + 1);
        }
        if (file.isEmpty()) {
            throw new ConfigException(value.origin(), keyword + ": " + Quote.of(text) + " names no file");
        }
        if (address.isPresent() && !insideMemory(address.getAsLong())) {
            throw new ConfigException(value.origin(), keyword + ": address " + Quote.of(text.substring(0, comma))
                    + " is not inside any ram or rom declared before this load");
        }
        loads.add(new LoadSpec(type, address, path(file, value.origin(), keyword), entry));
    }

    private boolean insideMemory(long address) {
        for (MemoryRegion region : memory) {
            if (region.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private Path path(String file, Origin origin, String role) {
        try {
            return cwd.resolve(file).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException(origin, role + ": " + Quote.of(file) + " is not a valid path (" + e.getReason() + ")");
        }
    }

    private void blob(Token option) {
        BlobType type = BlobType.valueOf(option.text().toUpperCase(Locale.ROOT));
        if (next < tokens.size() && tokens.get(next).text().equals("load")) {
            load(tokens.get(next++), Optional.of(type), option.origin());
        } else if (next < tokens.size() && tokens.get(next).text().equals("pass")) {
            open(new PassContext(tokens.get(next++), Optional.of(type), option.origin()));
        } else {
            throw new ConfigException(option.origin(), Quote.of(option.text()) + " must be followed by load or pass");
        }
    }

    private void vdev(Token option) {
        Token type = argument(option, "vdev type [options]");
        open(new VdevContext(VdevCatalog.lookup(type.text(), type.origin()), option));
    }

    private void set(Token option) {
        Token name = argument(option, "set variable value");
        Variable variable = Variables.lookup(name.text(), name.origin());
        Token value = argument(option, "set " + name.text() + " value");
        Setting setting = new Setting(variable, Variables.parse(variable, value.text(), value.origin()), option.origin());
        if (variable.scope() == Variable.Scope.VDEV) {
            if (!(context instanceof VdevContext vdev)) {
                throw new ConfigException(option.origin(), "variable " + Quote.of(variable.name())
                        + " applies to a vdev: set it after the vdev it configures");
            }
            vdev.settings.put(variable.name(), setting);
        } else {
            settings.put(variable.name(), setting);
        }
    }

    private void logger(Token option) {
        Token filters = argument(option, "logger filter[,filter...] destination");
        Set<Log.Level> levels = EnumSet.noneOf(Log.Level.class);
        for (String filter : filters.text().split(",", -1)) {
            levels.add(levelNamed(filter, filters.origin()));
        }
        LoggerSpec.Destination destination = keyword(option, "logger filter[,filter...] stdout|stderr|slog|none",
                LoggerSpec.Destination.class);
        loggers.add(new LoggerSpec(levels, destination, option.origin()));
    }

    private static Log.Level levelNamed(String filter, Origin origin) {
        for (Log.Level level : Log.Level.values()) {
            if (level.label().equals(filter)) {
                return level;
            }
        }
        throw new ConfigException(origin, "logger: unknown filter " + Quote.of(filter)
                + " (filters: fatal, internal, error, warn, info, debug, verbose)");
    }

    private void unsupported(Token option) {
        Unsupported.Kind kind = keyword(option, "unsupported instruction|reference|register abort|fail|ignore",
                Unsupported.Kind.class);
        unsupported.put(kind, keyword(option, "unsupported " + kind.name().toLowerCase(Locale.ROOT)
                + " abort|fail|ignore", Unsupported.Action.class));
    }

    private void dump(Token option) {
        Token value = argument(option, "dump directory|\"|command\"");
        String text = value.text();
        if (text.startsWith("|")) {
            if (text.substring(1).isBlank()) {
                throw new ConfigException(value.origin(), "dump: " + Quote.of(text) + " names no command after '|'");
            }
            dump = Optional.of(new DumpSpec.Pipe(text.substring(1), option.origin()));
        } else if (text.isEmpty()) {
            throw new ConfigException(value.origin(), "dump: the directory must not be empty");
        } else {
            dump = Optional.of(new DumpSpec.Directory(path(text, value.origin(), "dump"), option.origin()));
        }
    }

    /** {@code gdb [tcp:[HOST:]]PORT[,wait]} or {@code gdb unix:PATH[,wait]}; an error points at the argument. */
    private void gdb(Token option) {
        String syntax = "gdb [tcp:[HOST:]]PORT[,wait] or gdb unix:PATH[,wait]";
        Token value = argument(option, syntax);
        String text = value.text();
        boolean wait = false;
        int comma = text.lastIndexOf(',');
        if (comma >= 0) {
            String flag = text.substring(comma + 1);
            if (!flag.equals("wait")) {
                throw new ConfigException(value.origin(), "gdb: " + Quote.of(flag)
                        + " is not a gdb flag (the only one is 'wait': hold the guest until the debugger attaches)");
            }
            wait = true;
            text = text.substring(0, comma);
        }
        GdbSpec.Endpoint endpoint;
        if (text.startsWith("tcp:")) {
            String address = text.substring(4);
            int colon = address.lastIndexOf(':');
            String host = colon < 0 ? "127.0.0.1" : address.substring(0, colon);
            String port = address.substring(colon + 1);
            if (host.isEmpty()) {
                throw new ConfigException(value.origin(), "gdb: the host before ':" + port
                        + "' is empty (write tcp:PORT for the loopback address, or tcp:HOST:PORT)");
            }
            int portColumn = 4 + colon + 1;
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw new ConfigException(value.origin(), "gdb: " + Quote.of(port)
                        + " is not a TCP port (1-65535)");
            }
            endpoint = new GdbSpec.Tcp(host, Integer.parseInt(port));
        } else if (text.startsWith("unix:")) {
            if (text.length() == 5) {
                throw new ConfigException(value.origin(), "gdb: unix: needs a socket path");
            }
            endpoint = new GdbSpec.Unix(path(text.substring(5), value.origin(), "gdb"));
        } else if (text.matches("[0-9]{1,5}") && Integer.parseInt(text) >= 1 && Integer.parseInt(text) <= 65535) {
            endpoint = new GdbSpec.Tcp("127.0.0.1", Integer.parseInt(text)); // qvm's bare port
        } else {
            throw new ConfigException(value.origin(), "gdb: " + Quote.of(text) + " is not an endpoint (write " + syntax + ")");
        }
        gdb = Optional.of(new GdbSpec(endpoint, wait, option.origin()));
    }

    private void arch(Token option) {
        Token value = argument(option, "arch x86_64|aarch64");
        for (Arch a : Arch.values()) {
            if (a.label().equals(value.text())) {
                arch = Optional.of(a);
                return;
            }
        }
        throw new ConfigException(value.origin(), "arch: " + Quote.of(value.text()) + " is not x86_64 or aarch64");
    }

    /** Options qvm has but whose meaning is not public: skipped with their arguments, and recorded. */
    private void ignored(Token option) {
        List<String> arguments = new ArrayList<>();
        while (next < tokens.size() && !TOP_LEVEL.contains(tokens.get(next).text())
                && (context == null || !context.options().contains(tokens.get(next).text()))) {
            arguments.add(Quote.of(tokens.get(next++).text()));
        }
        warnings.add(new ConfigWarning(option.origin(), Quote.of(option.text()) + " is not supported by jqvm; ignored"
                + (arguments.isEmpty() ? "" : " with its arguments " + String.join(" ", arguments))));
    }

    private void open(Context opened) {
        closeContext();
        context = opened;
    }

    private void closeContext() {
        if (context != null) {
            context.close();
            context = null;
        }
    }

    /** An open {@code cpu}, {@code vdev}, {@code pass} or {@code reserve} and the options it takes. */
    private abstract static class Context {
        final Token opener;

        Context(Token opener) {
            this.opener = opener;
        }

        /** Handles {@code token} if it is one of this context's options. */
        abstract boolean option(Token token);

        abstract List<String> options();

        abstract String describe();

        abstract void close();
    }

    private final class CpuContext extends Context {
        private Optional<Sched> sched = Optional.empty();
        private List<Integer> runmask = List.of();
        private Optional<String> partition = Optional.empty();
        private Optional<String> cluster = Optional.empty();
        private Token runmaskToken;
        private Token partitionToken;
        private Token clusterToken;

        CpuContext(Token opener) {
            super(opener);
        }

        @Override
        boolean option(Token token) {
            switch (token.text()) {
                case "sched" -> sched = Optional.of(sched(token));
                case "runmask" -> {
                    Token value = argument(token, "runmask cpu[,cpu...]");
                    runmask = CpuSyntax.runmask(value.text(), value.origin());
                    runmaskToken = token;
                }
                case "partition" -> {
                    partition = Optional.of(name(token, "partition name"));
                    partitionToken = token;
                }
                case "cluster" -> {
                    cluster = Optional.of(name(token, "cluster name"));
                    clusterToken = token;
                }
                default -> {
                    return false;
                }
            }
            if (clusterToken != null && (runmaskToken != null || partitionToken != null)) {
                String other = token != clusterToken ? "cluster" : runmaskToken != null ? "runmask" : "partition";
                throw new ConfigException(token.origin(), Quote.of(token.text()) + " cannot be combined with "
                        + Quote.of(other) + " in one cpu: a cluster replaces runmask and partition");
            }
            return true;
        }

        private Sched sched(Token option) {
            Token value = argument(option, "sched prio[r|f|o] or sched high,low,max_repl,period_ns,budget_ns s");
            String text = value.text();
            if (!text.contains(",")) {
                return CpuSyntax.priority(text, value.origin());
            }
            if (text.endsWith("s")) {
                return CpuSyntax.sporadic(text.substring(0, text.length() - 1), text, value.origin());
            }
            if (next < tokens.size() && tokens.get(next).text().equals("s")) {
                next++;
                return CpuSyntax.sporadic(text, text, value.origin());
            }
            throw new ConfigException(value.origin(), "cpu sched: sporadic parameters " + Quote.of(text)
                    + " must be followed by the policy letter s");
        }

        private String name(Token option, String syntax) {
            Token value = argument(option, syntax);
            if (value.text().isEmpty()) {
                throw new ConfigException(value.origin(), option.text() + ": the name must not be empty");
            }
            return value.text();
        }

        @Override
        List<String> options() {
            return CPU_OPTIONS;
        }

        @Override
        String describe() {
            return "cpu";
        }

        @Override
        void close() {
            cpus.add(new CpuSpec(sched, runmask, partition, cluster, opener.origin()));
        }
    }

    private final class VdevContext extends Context {
        private final VdevSchema schema;
        private final List<VdevOption> options = new ArrayList<>();
        private final Map<String, Setting> settings = new LinkedHashMap<>();
        private final List<String> names;

        VdevContext(VdevSchema schema, Token opener) {
            super(opener);
            this.schema = schema;
            this.names = new ArrayList<>(schema.options().keySet());
            names.add("set");
        }

        @Override
        boolean option(Token token) {
            Optional<OptionSpec> found = schema.option(token.text());
            if (found.isEmpty()) {
                return false;
            }
            OptionSpec spec = found.get();
            Value value = new Value.Flag();
            if (spec.arity() == OptionSpec.Arity.ONE || spec.arity() == OptionSpec.Arity.OPTIONAL && argumentFollows()) {
                Token argument = argument(token, "vdev " + schema.type() + " " + spec.syntax());
                value = spec.parse(schema.type(), argument.text(), argument.origin());
            }
            if (!spec.repeatable()) {
                options.removeIf(o -> o.name().equals(spec.name()));
            }
            options.add(new VdevOption(spec.name(), value, token.origin()));
            return true;
        }

        /** Whether the next token is an optional argument: not one of this vdev's options nor a top-level one. */
        private boolean argumentFollows() {
            if (next >= tokens.size()) {
                return false;
            }
            String text = tokens.get(next).text();
            return !names.contains(text) && !TOP_LEVEL.contains(text);
        }

        @Override
        List<String> options() {
            return names;
        }

        @Override
        String describe() {
            return "vdev " + schema.type();
        }

        @Override
        void close() {
            VdevSpec vdev = new VdevSpec(schema, true, options, settings, opener.origin());
            VdevRules.check(vdev, opener.origin());
            Optional<VdevOption> name = vdev.option("name");
            if (name.isPresent()) {
                String text = vdev.name().orElseThrow();
                if (schema.interruptController() && text.contains(":")) {
                    throw new ConfigException(name.get().origin(), "vdev " + schema.type() + ": name " + Quote.of(text)
                            + " must not contain ':' (other vdevs refer to an interrupt controller as name:line)");
                }
                Origin earlier = vdevNames.putIfAbsent(text, name.get().origin());
                if (earlier != null) {
                    throw new ConfigException(name.get().origin(), "vdev name " + Quote.of(text)
                            + " is already used at " + earlier);
                }
            }
            vdevs.add(vdev);
        }
    }

    private final class PassContext extends Context {
        private final Optional<BlobType> blobType;
        private final Origin entry;
        private final List<PassLocation> locations = new ArrayList<>();
        private final List<PassInterrupt> interrupts = new ArrayList<>();
        private boolean unsafe;

        PassContext(Token opener, Optional<BlobType> blobType, Origin entry) {
            super(opener);
            this.blobType = blobType;
            this.entry = entry;
        }

        @Override
        boolean option(Token token) {
            switch (token.text()) {
                case "loc" -> {
                    Token value = argument(token, "loc [space:]region[,length][,attrs][=host]");
                    locations.add(PassSyntax.passLocation(value.text(), value.origin()));
                }
                case "intr" -> {
                    Token value = argument(token, "intr controller:line[,u][=host_vector]");
                    interrupts.add(PassSyntax.passInterrupt(value.text(), value.origin()));
                }
                case "unsafe" -> unsafe = true;
                default -> {
                    return false;
                }
            }
            return true;
        }

        @Override
        List<String> options() {
            return PASS_OPTIONS;
        }

        @Override
        String describe() {
            return "pass";
        }

        @Override
        void close() {
            if (locations.isEmpty() && interrupts.isEmpty()) {
                throw new ConfigException(opener.origin(), "\"pass\" passes nothing: give at least one loc or intr");
            }
            passes.add(new PassSpec(blobType, locations, interrupts, unsafe, entry));
        }
    }

    private final class ReserveContext extends Context {
        private final List<ReserveSpec.Range> locations = new ArrayList<>();
        private final List<Interrupt> interrupts = new ArrayList<>();

        ReserveContext(Token opener) {
            super(opener);
        }

        @Override
        boolean option(Token token) {
            switch (token.text()) {
                case "loc" -> {
                    Token value = argument(token, "loc mem:start,length|io:port[,length]|pci:bus:dev[.func]");
                    locations.add(PassSyntax.reserveLocation(value.text(), value.origin()));
                }
                case "intr" -> {
                    Token value = argument(token, "intr [controller:]line[,...]");
                    for (String part : value.text().split(",", -1)) {
                        interrupts.add(Values.interrupt(part, value.origin(), "reserve intr", true));
                    }
                }
                default -> {
                    return false;
                }
            }
            return true;
        }

        @Override
        List<String> options() {
            return RESERVE_OPTIONS;
        }

        @Override
        String describe() {
            return "reserve";
        }

        @Override
        void close() {
            if (locations.isEmpty() && interrupts.isEmpty()) {
                throw new ConfigException(opener.origin(), "\"reserve\" reserves nothing: give at least one loc or intr");
            }
            reserves.add(new ReserveSpec(locations, interrupts, opener.origin()));
        }
    }
}
