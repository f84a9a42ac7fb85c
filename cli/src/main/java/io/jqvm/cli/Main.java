package io.jqvm.cli;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import io.jqvm.config.ConfigException;
import io.jqvm.config.QvmConf;
import io.jqvm.config.model.VmSpec;
import io.jqvm.host.Libc;
import io.jqvm.mediator.MediatorCommand;
import io.jqvm.vmm.Vmm;
import io.jqvm.vmm.assembly.AcceleratorChoice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.Manifest;

/**
 * {@code jqvm [@file.qvmconf] [options...]}: every argument is one qvmconf token, as qvm takes them.
 * Without arguments it boots the built-in demo guest. Prints errors as one line and exits with qvm's
 * statuses; never a stack trace for a user's mistake.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(List.of(args)));
    }

    static int run(List<String> args) {
        if (args.size() == 1 && (args.getFirst().equals("--help") || args.getFirst().equals("-h"))) {
            System.out.print(Usage.TEXT);
            return ExitStatus.NORMAL.code();
        }
        if (!args.isEmpty() && args.getFirst().equals("mediator")) {
            return MediatorCommand.run(args.subList(1, args.size())); // a device mediator, not a VM
        }
        if (args.size() == 1 && args.getFirst().equals("--version")) {
            System.out.println(version());
            return ExitStatus.NORMAL.code();
        }
        if (!args.isEmpty() && args.getFirst().equals("ctl")) {
            return Ctl.run(args.subList(1, args.size()), System.out, System.err);
        }
        // Every VM links Libc's system-call handle before it maps guest RAM: linked on a second thread from here,
        // its ~35 ms of class spinning overlaps the parsing and the runtime directory's claim (on an idle core).
        Thread.ofPlatform().daemon().name("jqvm-link").start(Libc::linkSystemCalls);
        try {
            ControlOptions options = ControlOptions.parse(args);
            List<String> tokens = options.tokens().isEmpty() ? DemoGuest.arguments() : options.tokens();
            VmSpec spec = QvmConf.parse(tokens, Path.of("").toAbsolutePath());
            Logging.configure(spec);
            ExitStatus status;
            if (spec.dryrun()) {
                status = new Vmm(AcceleratorChoice.installed()).dryrun(spec, System.out);
            } else {
                status = new Vmm(AcceleratorChoice.installed(), options.listener()).run(spec);
            }
            if (spec.dryrun()) {
                System.out.println("Exiting: dryrun completed");
            }
            return status.code();
        } catch (ConfigException e) {
            // Exactly "path:line:column: problem", whatever the logger says: it is the user's next edit.
            System.err.println(e.getMessage());
            return e.status().code();
        } catch (VmmException e) {
            Log.fatal(e.getMessage());
            return e.status().code();
        } catch (InterruptedException e) {
            Log.fatal("interrupted");
            return ExitStatus.FATAL_AFTER_START.code();
        }
    }

    /** {@code jqvm <version> (Java <runtime version>)}; the version is the jar manifest's. */
    static String version() {
        String version = Main.class.getModule().isNamed() ? moduleManifestVersion()
                : Main.class.getPackage().getImplementationVersion();
        return "jqvm " + (version != null ? version : "(not from a jqvm jar)") + " (Java " + Runtime.version() + ")";
    }

    /** A package of a named module carries no manifest attributes: on the module path, read the jar's manifest. */
    private static String moduleManifestVersion() {
        try (InputStream in = Main.class.getModule().getResourceAsStream("META-INF/MANIFEST.MF")) {
            return in == null ? null : new Manifest(in).getMainAttributes().getValue(Attributes.Name.IMPLEMENTATION_VERSION);
        } catch (IOException e) {
            return null;
        }
    }

    /** The demo guest bundled in the jar: the PC board example and the guest kit's hello guest. */
    static final class DemoGuest {
        private DemoGuest() {
        }

        static List<String> arguments() {
            try {
                Path dir = Files.createTempDirectory("jqvm-demo");
                dir.toFile().deleteOnExit();
                return arguments(dir);
            } catch (IOException e) {
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot unpack the demo guest: " + e.getMessage());
            }
        }

        /** The demo's arguments, its files unpacked into {@code dir}. */
        static List<String> arguments(Path dir) {
            Path kvm = Path.of("/dev/kvm");
            return arguments(dir, Files.isReadable(kvm) && Files.isWritable(kvm));
        }

        /**
         * The x86 hello guest on KVM; where KVM cannot run (no {@code /dev/kvm}), a hello Image built here on the
         * AArch64 board's software CPU, so the first command a new user types still boots a guest.
         */
        static List<String> arguments(Path dir, boolean kvmUsable) {
            try {
                List<String> args = new ArrayList<>();
                if (kvmUsable) {
                    args.add("@" + extract(dir, "x86-pc.qvmconf"));
                    args.add("load");
                    args.add(extract(dir, "hello.elf").toString());
                    args.add("cmdline");
                    args.add("jqvm demo: run ./jqvm @examples/x86-pc.qvmconf load your.elf for your own guest");
                } else {
                    Path image = Files.write(dir.resolve("hello-arm64.Image"), Arm64DemoImage.hello(
                            "jqvm demo: hello from an AArch64 guest on the software CPU (no /dev/kvm here for the x86"
                                    + " demo); run ./jqvm @examples/arm64-virt.qvmconf load your.elf for your own guest\r\n"));
                    image.toFile().deleteOnExit();
                    args.add("@" + extract(dir, "arm64-virt.qvmconf"));
                    args.add("load");
                    args.add(image.toString());
                }
                return args;
            } catch (IOException e) {
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot unpack the demo guest: " + e.getMessage());
            }
        }

        static Path extract(Path dir, String name) throws IOException {
            try (InputStream in = Main.class.getResourceAsStream("demo/" + name)) {
                if (in == null) {
                    throw new IOException(name + " is missing from this build (rebuild with ./jqvm)");
                }
                Path target = dir.resolve(name);
                Files.copy(in, target);
                target.toFile().deleteOnExit();
                return target;
            }
        }
    }
}
