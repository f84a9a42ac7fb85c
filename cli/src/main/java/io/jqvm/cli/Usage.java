package io.jqvm.cli;

/** The text of {@code jqvm --help}. */
final class Usage {
    private Usage() {
    }

    static final String TEXT = """
            usage: jqvm [flags] [@file.qvmconf ...] [option [argument...] ...]
                   jqvm                      boot the built-in demo guest
                   jqvm --version            print jqvm's version and the Java runtime's
                   jqvm mediator @mediator.conf   run a device mediator (disks shared by VMs; mediator/README.md)
                   jqvm ctl [--sock PATH | SYSTEM] COMMAND    talk to a running VM (jqvm ctl --help)

            Flags (before the qvmconf tokens):
              --api-sock PATH            the control API's socket (default <runtime>/<system>/api.sock)
              --no-api                   no control API
              --metrics-path FILE        append the metrics as a JSON line to FILE periodically
              --metrics-interval SECONDS how often (default 60)

            Every argument is one qvmconf token, exactly as in a .qvmconf file; @file reads a file.
            Examples:
              jqvm @examples/x86-pc.qvmconf load guest.elf
              jqvm @examples/arm64-virt.qvmconf load prog.elf cmdline "console=ttyAMA0"
              jqvm @board.qvmconf dryrun          print the assembled VM and exit

            Options (see config/README.md): system ram rom cpu load cmdline pass reserve vdev set logger
            unsupported tolerance dump safety dryrun debug, and jqvm's arch x86_64|aarch64 and accel kvm|soft.

            Exit status: 0 guest shut down or dryrun done, 3 power cut, 4 watchdog, 5 unsupported operation,
            6 device error, 7 guest stopped unexpectedly, 64 fatal error before start, 65 configuration
            error, 96 fatal error after start.
            """;
}
