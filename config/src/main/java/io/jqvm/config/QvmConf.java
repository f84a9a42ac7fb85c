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
 * and the vdev types {@code pl031}, {@code pl061}, {@code virtio-vsock} and {@code acpi-pm}. {@code gdb} and
 * {@code suppress} are accepted, ignored with their arguments, and reported in {@link VmSpec#warnings()}.
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
}
