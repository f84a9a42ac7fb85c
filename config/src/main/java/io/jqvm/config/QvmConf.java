package io.jqvm.config;

import io.jqvm.config.lex.Sources;
import io.jqvm.config.model.VmSpec;
import io.jqvm.config.parse.Parser;

import java.nio.file.Path;
import java.util.List;

/**
 * The qvmconf front end: command-line arguments and {@code @file}s in, a validated {@link VmSpec} out.
 *
 * <p>jqvm extensions to the qvm language: {@code arch x86_64|aarch64} forces the guest architecture
 * (and checks the configuration against it at once), {@code accel kvm|soft} forces the accelerator,
 * and the vdev types {@code pl031}, {@code pl061}, {@code virtio-vsock} and {@code acpi-pm}. {@code gdb} takes
 * {@code [tcp:[HOST:]]PORT[,wait]} or {@code unix:PATH[,wait]} ({@link io.jqvm.config.model.GdbSpec}).
 * {@code suppress} is accepted, ignored with its arguments, and reported in {@link VmSpec#warnings()}.
 * The only I/O is reading {@code @file}s; nothing is printed.
 */
public final class QvmConf {
    private QvmConf() {
    }

    /**
     * Parses a configuration.
     *
     * @param args each element one token exactly as the shell passed it, or {@code @path} to read a file
     * @param cwd  the directory relative {@code @file}, {@code load} and {@code dump} paths resolve against
     * @throws ConfigException for every invalid configuration, with a {@code file:line:column: problem} message
     */
    public static VmSpec parse(List<String> args, Path cwd) {
        Path absolute = cwd.toAbsolutePath();
        return Parser.parse(Sources.expand(args, absolute), absolute);
    }

    /**
     * Parses a configuration given as text, as if it were a file called {@code name} (which starts every
     * diagnostic about it).
     *
     * @param cwd the directory its relative {@code @file}, {@code load} and {@code dump} paths resolve against
     * @throws ConfigException for every invalid configuration, with a {@code name:line:column: problem} message
     */
    public static VmSpec parse(String name, String text, Path cwd) {
        Path absolute = cwd.toAbsolutePath();
        return Parser.parse(Sources.expandText(Quote.escaped(name), text, absolute), absolute);
    }
}
