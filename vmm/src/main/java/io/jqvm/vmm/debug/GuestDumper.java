package io.jqvm.vmm.debug;

import io.jqvm.accel.Registers;
import io.jqvm.common.Arch;
import io.jqvm.common.Log;
import io.jqvm.config.ConfigException;
import io.jqvm.config.model.DumpSpec;
import io.jqvm.memory.GuestRegion;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/**
 * qvm's {@code dump} option: on SIGUSR2 or a watchdog's {@code dump} action, writes a {@link GuestCore} to
 * {@code <dir>/<system>-YYYYMMDD-hhmmss.gcore} (then {@code -1} to {@code -9} before {@code .gcore} when that
 * exists), or pipes it to {@code sh -c command} for {@code dump "|command"}. Failures are logged: a dump never
 * stops the VM.
 */
public final class GuestDumper {
    private static final int UNIQUIFIERS = 9;

    /** Stops every vCPU, hands their registers (null for one that did not stop) to the writer, resumes them. */
    public interface StoppedVcpus {
        boolean whileStopped(DumpWriter writer) throws IOException;
    }

    /** Writes the core while the vCPUs are stopped. */
    public interface DumpWriter {
        void write(List<Registers> registers) throws IOException;
    }

    private final Optional<DumpSpec> spec;
    private final String system;
    private final Arch arch;
    private final List<GuestRegion> memory;
    private final StoppedVcpus vcpus;

    public GuestDumper(Optional<DumpSpec> spec, String system, Arch arch, List<GuestRegion> memory, StoppedVcpus vcpus) {
        this.spec = spec;
        this.system = system;
        this.arch = arch;
        this.memory = memory;
        this.vcpus = vcpus;
    }

    /**
     * Refuses, before the guest starts, a {@code dump} directory that a dump could never be written to, at the
     * option's line: found at dump time, the mistake would cost the dump it was configured for.
     */
    public static void checkDestination(Optional<DumpSpec> spec) {
        if (spec.orElse(null) instanceof DumpSpec.Directory d && !(Files.isDirectory(d.path()) && Files.isWritable(d.path()))) {
            throw new ConfigException(d.origin(), "dump: " + d.path() + (Files.isDirectory(d.path())
                    ? " is a directory jqvm cannot write to" : " is not a directory"));
        }
    }

    /** Whether a {@code dump} option says where dumps go. */
    public boolean configured() {
        return spec.isPresent();
    }

    /** Writes a dump for {@code reason} (e.g. "SIGUSR2"), recording {@code signal}; logs where it went or why not. */
    public synchronized void dump(String reason, int signal) {
        if (spec.isEmpty()) {
            Log.warn("guest dump requested (" + reason + ") but no 'dump' option says where to write it");
            return;
        }
        try {
            switch (spec.get()) {
                case DumpSpec.Directory d -> toFile(d.path(), reason, signal);
                case DumpSpec.Pipe p -> toCommand(p.command(), reason, signal);
            }
        } catch (IOException e) {
            Log.error("guest dump (" + reason + ") failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Log.error("guest dump (" + reason + ") interrupted");
        }
    }

    private void toFile(Path directory, String reason, int signal) throws IOException {
        // made here rather than held in a constant: every VM's start initialises this class, and a constant formatter
        // would initialise ~35 classes of java.time's formatting there
        String stem = system + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        for (int n = 0; n <= UNIQUIFIERS; n++) {
            Path file = directory.resolve(stem + (n == 0 ? "" : "-" + n) + ".gcore");
            OutputStream out;
            try {
                out = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                continue;
            }
            try (OutputStream buffered = new BufferedOutputStream(out, 1 << 16)) {
                if (!write(buffered, signal)) {
                    Files.deleteIfExists(file);
                    return;
                }
            }
            Log.info("guest dump (" + reason + ") written to " + file);
            return;
        }
        throw new IOException("every name from " + stem + ".gcore to " + stem + "-" + UNIQUIFIERS + ".gcore in "
                + directory + " is taken");
    }

    private void toCommand(String command, String reason, int signal) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("/bin/sh", "-c", command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (OutputStream in = new BufferedOutputStream(process.getOutputStream(), 1 << 16)) {
            write(in, signal);
        } catch (IOException e) {
            Log.warn("guest dump (" + reason + "): the command stopped reading: " + e.getMessage());
        }
        int status = process.waitFor();
        if (status == 0) {
            Log.info("guest dump (" + reason + ") piped to '" + command + "'");
        } else {
            Log.error("guest dump (" + reason + "): '" + command + "' exited with status " + status);
        }
    }

    private boolean write(OutputStream out, int signal) throws IOException {
        boolean stopped = vcpus.whileStopped(registers -> GuestCore.write(out, arch, registers, memory, signal));
        if (!stopped) {
            Log.error("guest dump not written: the VM is not running");
        }
        return stopped;
    }
}
