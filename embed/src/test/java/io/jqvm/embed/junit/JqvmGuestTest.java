package io.jqvm.embed.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jqvm.common.ExitStatus;
import io.jqvm.embed.JqvmConfig;
import io.jqvm.embed.JqvmVm;
import io.jqvm.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension on a static field (one VM for the class) and on an instance field (one VM per test). */
class JqvmGuestTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Path BOARD = Command.repo().resolve("examples/arm64-virt.qvmconf");
    private static final Path HELLO = Command.repo().resolve("guests/target/aarch64/hello.elf");
    /** The per-class VM each test saw, and the per-test ones. */
    private static final List<JqvmVm> SHARED_SEEN = new ArrayList<>();
    private static final List<JqvmVm> OWN_SEEN = new ArrayList<>();

    @RegisterExtension
    static final JqvmGuest SHARED = JqvmGuest.boot(() -> JqvmConfig.builder().system("junit-shared").include(BOARD)
            .load(HELLO).build()).readyWhen("Hello from AArch64", TIMEOUT);

    @RegisterExtension
    final JqvmGuest own = JqvmGuest.boot(() -> JqvmConfig.builder().include(BOARD).load(HELLO).build());

    @Test
    void aStaticFieldsGuestIsBootedOnceForTheClass() throws Exception {
        check();
    }

    @Test
    void andAnInstanceFieldsGuestOncePerTest() throws Exception {
        check();
    }

    private void check() throws Exception {
        synchronized (SHARED_SEEN) {
            SHARED_SEEN.add(SHARED.vm());
            OWN_SEEN.add(own.vm());
            assertSame(SHARED_SEEN.getFirst(), SHARED.vm());
            if (OWN_SEEN.size() == 2) {
                assertNotSame(OWN_SEEN.get(0), OWN_SEEN.get(1));
            }
        }
        assertEquals("junit-shared", SHARED.vm().name());
        assertEquals(ExitStatus.NORMAL, own.vm().awaitExit(TIMEOUT).orElseThrow().status(), own.console()::text);
        assertTrue(own.console().text().startsWith("Hello from AArch64\n"), own.console()::text);
    }
}
