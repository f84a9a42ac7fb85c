package io.jqvm.embed;

import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.config.model.VmSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A checked VM configuration, in qvmconf's language: parsed from text, or put together by a {@link Builder} (which
 * writes qvmconf lines, so that the one parser checks both, and the errors read alike). Immutable; one configuration
 * may start any number of VMs, one after another (a {@code system} name is held by one running VM at a time).
 */
public final class JqvmConfig {
    private final String text;
    private final VmSpec spec;

    private JqvmConfig(String text, VmSpec spec) {
        this.text = text;
        this.spec = spec;
    }

    /** {@link #parse(String, String, Path)} with paths relative to the working directory. */
    public static JqvmConfig parse(String name, String text) throws VmConfigException {
        return parse(name, text, Path.of(""));
    }

    /**
     * Parses a configuration, as the jqvm command parses a file called {@code name}.
     *
     * @param directory where relative {@code @file}, {@code load} and {@code dump} paths start
     * @throws VmConfigException with the {@code name:line:column: problem} line the command would print
     */
    public static JqvmConfig parse(String name, String text, Path directory) throws VmConfigException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(text, "text");
        try {
            return new JqvmConfig(text, QvmConf.parse(name, text, directory));
        } catch (ConfigException e) {
            throw new VmConfigException(e.getMessage());
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The configuration's text (for a builder's: the lines it wrote). */
    public String text() {
        return text;
    }

    VmSpec spec() {
        return spec;
    }

    /**
     * Writes a configuration a line per call, in the order of the calls, as a qvmconf file would be written
     * (qvm reads a file in order: a board's {@code @file} first, then what changes it).
     */
    public static final class Builder {
        private String name = "<builder>";
        private Path directory = Path.of("");
        private final List<String> lines = new ArrayList<>();

        private Builder() {
        }

        /** What diagnostics call the configuration ({@code <builder>} unless set). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Where relative paths start (the working directory unless set). */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** {@code system NAME}: the VM's name, its runtime directory's and its log lines'. */
        public Builder system(String system) {
            return words("system", system);
        }

        /** {@code @file}: a board (or any configuration) from a file, e.g. {@code examples/arm64-virt.qvmconf}. */
        public Builder include(Path file) {
            String path = file.toString();
            if (path.isEmpty() || path.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '#')) {
                throw new IllegalArgumentException("an @file path cannot be empty or hold blanks, quotes or '#': " + path);
            }
            lines.add("@" + path);
            return this;
        }

        /** {@code ram SIZE} or {@code ram START,SIZE} in qvm's spelling ({@code 256M}, {@code 0x40000000,1G}). */
        public Builder ram(String ram) {
            return words("ram", ram);
        }

        /** {@code count} lines {@code cpu}: one vCPU each. */
        public Builder cpus(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("a VM needs at least one vCPU, not " + count);
            }
            for (int i = 0; i < count; i++) {
                lines.add("cpu");
            }
            return this;
        }

        /** {@code accel kvm|soft}. */
        public Builder accel(String accelerator) {
            return words("accel", accelerator);
        }

        /** {@code load PATH}: the guest image (an ELF, an arm64 Image, a bzImage, a Multiboot kernel). */
        public Builder load(Path image) {
            return words("load", image.toString());
        }

        /** {@code initrd load PATH}. */
        public Builder initrd(Path image) {
            return words("initrd", "load", image.toString());
        }

        /** {@code cmdline TEXT}: the kernel's command line. */
        public Builder cmdline(String text) {
            return words("cmdline", text);
        }

        /** One line of qvmconf as written in a file, e.g. {@code vdev pl031 loc 0x09010000 intr gic:34}. */
        public Builder line(String qvmconf) {
            if (qvmconf.contains("\n") || qvmconf.contains("\r")) {
                throw new IllegalArgumentException("one line at a time: " + qvmconf);
            }
            lines.add(qvmconf);
            return this;
        }

        /** The text written so far. */
        public String text() {
            return String.join("\n", lines) + "\n";
        }

        /** @throws VmConfigException as {@link JqvmConfig#parse}, its position in {@link #text()} */
        public JqvmConfig build() throws VmConfigException {
            return parse(name, text(), directory);
        }

        private Builder words(String... words) {
            StringBuilder line = new StringBuilder();
            for (String w : words) {
                if (!line.isEmpty()) {
                    line.append(' ');
                }
                line.append(quoted(w));
            }
            lines.add(line.toString());
            return this;
        }

        /** A word as the lexer reads it back: quoted when it is empty or has blanks, a '#' or a leading '@'. */
        private static String quoted(String word) {
            if (word.indexOf('"') >= 0 || word.indexOf('\n') >= 0 || word.indexOf('\r') >= 0) {
                throw new IllegalArgumentException("a qvmconf word cannot hold a double quote or a line break: " + word);
            }
            boolean plain = !word.isEmpty() && !word.startsWith("@") && word.indexOf('#') < 0
                    && word.chars().noneMatch(Character::isWhitespace);
            return plain ? word : "\"" + word + "\"";
        }
    }
}
