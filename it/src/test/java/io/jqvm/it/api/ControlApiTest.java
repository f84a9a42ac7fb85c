package io.jqvm.it.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.it.support.Console;
import io.jqvm.it.virtio.GuestImages;
import io.jqvm.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control API over its real Unix socket, with {@code jqvm ctl} and with a stock client ({@code curl
 * --unix-socket}), on Debian's arm64 kernel on the software CPU: the VM's description, a pause that stops the
 * guest (no console output, no exits) and whose length the guest's clock does not see, resume, the metrics in
 * JSON and Prometheus' format, errors, and the power button, which the guest's own gpio-keys driver and busybox
 * acpid turn into a clean poweroff: jqvm exits 0 and removes the socket. The metrics file of
 * {@code --metrics-path} got a JSON line every second and one at the end.
 */
class ControlApiTest {
    private static final Duration BOOT = Duration.ofMinutes(5);
    private static final Duration COMMAND = Duration.ofSeconds(60);
    private static final Duration CTL = Duration.ofSeconds(60);
    private static final String PROMPT = "# ";

    @Test
    void controlsADebianGuestThroughItsSocket(@TempDir Path dir) throws Exception {
        GuestImages.ensure();
        String system = "api-it-" + ProcessHandle.current().pid();
        Path conf = dir.resolve("linux.qvmconf");
        Files.writeString(conf, "system " + system + "\n@" + Command.repo().resolve("examples/arm64-virt.qvmconf") + "\n"
                + "load " + GuestImages.kernel() + "\ninitrd load " + GuestImages.initramfs() + "\n"
                + "cmdline \"console=ttyAMA0 nokaslr cryptomgr.notests\"\n");
        Path metricsFile = dir.resolve("metrics.jsonl");
        try (Console console = Console.start(List.of(Command.repo().resolve("jqvm").toString(), "--metrics-path",
                metricsFile.toString(), "--metrics-interval", "1", "@" + conf), Command.repo())) {
            console.waitFor("JQVM-INIT-READY", BOOT);
            console.waitFor(PROMPT, COMMAND);
            Path socket = Path.of(System.getenv("JQVM_RUNTIME_DIR"), system, "api.sock");
            assertTrue(Files.exists(socket), () -> socket + " missing" + console.describe());

            Command.Result get = ctl(system, "get");
            assertEquals(0, get.exitStatus(), get::describe);
            assertTrue(get.stdout().contains("\"state\":\"running\"") && get.stdout().contains("\"accelerator\":\"soft\"")
                    && get.stdout().contains("pl061"), get::describe);
            Command.Result curlGet = curl(socket, "-w", "\n%{http_code}", "http://localhost/vm");
            assertTrue(curlGet.stdout().endsWith("\n200") && curlGet.stdout().contains("\"name\":\"" + system + "\""),
                    curlGet::describe);

            console.type("i=0; while true; do i=$((i+1)); echo tick$i; sleep 0.2; done &");
            console.waitFor("tick3", COMMAND);
            double guestBefore = guestUptime(console);
            long hostBefore = System.nanoTime();

            Command.Result pause = ctl(system, "pause");
            assertEquals(0, pause.exitStatus(), pause::describe);
            assertTrue(pause.stdout().contains("paused"), pause::describe);
            assertEquals(1, ctl(system, "pause").exitStatus(), "a second pause is refused (409)");
            Thread.sleep(2000); // output the guest wrote before it stopped reaches the console
            console.take();
            long exitsPaused = mmioExits(ctl(system, "metrics").stdout());
            Thread.sleep(3000);
            assertEquals(exitsPaused, mmioExits(ctl(system, "metrics").stdout()), "a paused guest makes no exits");
            String whilePaused = console.take();
            assertFalse(whilePaused.contains("tick"), () -> "output while paused: " + whilePaused + console.describe());
            assertTrue(ctl(system, "get").stdout().contains("\"state\":\"paused\""));

            Command.Result resume = ctl(system, "resume");
            assertEquals(0, resume.exitStatus(), resume::describe);
            assertEquals(1, ctl(system, "resume").exitStatus(), "resuming a running VM is refused (409)");
            console.waitFor("tick", COMMAND);
            double guestAfter = guestUptime(console);
            double hostSeconds = (System.nanoTime() - hostBefore) / 1e9;
            // Paused at least 4 s: the guest's clock must not have counted them.
            assertTrue(guestAfter - guestBefore < hostSeconds - 3.5,
                    () -> "guest time " + (guestAfter - guestBefore) + " s over " + hostSeconds + " s on the host" + console.describe());

            Command.Result metrics = ctl(system, "metrics");
            assertEquals(0, metrics.exitStatus(), metrics::describe);
            assertTrue(metrics.stdout().contains("\"instructions_retired\":") && metrics.stdout().contains("\"vcpu_run_seconds\":")
                    && metrics.stdout().matches("(?s).*\"pl011[^\"]*\":\\{\"requests\":[1-9].*"), metrics::describe);
            Command.Result prometheus = curl(socket, "http://localhost/metrics?format=prometheus");
            assertTrue(prometheus.stdout().contains("# TYPE jqvm_exits_total counter")
                    && prometheus.stdout().contains("jqvm_accelerator_instructions_retired_total{vm=\"" + system + "\"}"),
                    prometheus::describe);
            Command.Result badJson = curl(socket, "-X", "PUT", "-d", "{action: pause}", "-w", "\n%{http_code}",
                    "http://localhost/vm/state");
            assertTrue(badJson.stdout().endsWith("\n400") && badJson.stdout().contains("\"error\""), badJson::describe);

            Command.Result button = ctl(system, "power-button");
            assertEquals(0, button.exitStatus(), button::describe);
            assertEquals(0, console.waitForExit(COMMAND), console::describe);
            assertTrue(console.log().contains("PSCI SYSTEM_OFF"), console::describe);
            assertFalse(Files.exists(socket), "the socket is removed at exit");
            List<String> flushes = Files.readAllLines(metricsFile);
            assertTrue(flushes.size() >= 2 && flushes.stream().allMatch(l -> l.startsWith("{\"vm\":\"" + system + "\",")),
                    () -> "metrics file: " + flushes);
        }
    }

    private static Command.Result ctl(String system, String... command) throws Exception {
        String[] args = new String[command.length + 2];
        args[0] = "ctl";
        args[1] = system;
        System.arraycopy(command, 0, args, 2, command.length);
        return Command.jqvm(CTL, args);
    }

    private static Command.Result curl(Path socket, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("curl", "-sS", "--unix-socket", socket.toString()));
        command.addAll(List.of(args));
        return Command.run(command, Command.repo(), CTL);
    }

    private static double guestUptime(Console console) throws Exception {
        console.type("cat /proc/uptime; echo UPTIME-$((1+1))-DONE");
        String out = console.waitFor("UPTIME-2-DONE", COMMAND);
        Matcher m = Pattern.compile("(?m)^(\\d+\\.\\d+) \\d+\\.\\d+").matcher(out);
        assertTrue(m.find(), () -> "no uptime in " + out);
        return Double.parseDouble(m.group(1));
    }

    private static long mmioExits(String metricsJson) {
        Matcher m = Pattern.compile("\"mmio\":(\\d+)").matcher(metricsJson);
        assertTrue(m.find(), () -> "no mmio exits in " + metricsJson);
        return Long.parseLong(m.group(1));
    }
}
