package io.jqvm.embed.junit;

import io.jqvm.embed.GuestConsole;
import io.jqvm.embed.JqvmConfig;
import io.jqvm.embed.JqvmVm;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that boots a guest for a test, in the test's JVM, and closes it after:
 *
 * <pre>{@code
 * @RegisterExtension
 * final JqvmGuest guest = JqvmGuest.boot(() -> JqvmConfig.builder().include(board).load(elf).build());
 *
 * @Test
 * void printsHello() throws Exception {
 *     guest.console().waitFor("hello", Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * On an instance field every test gets a VM of its own, booted after the class's {@code @BeforeAll} methods (which
 * may build its images); on a static field the tests of the class share one, booted before the first test and its
 * class's {@code @BeforeAll} methods (JUnit runs an extension's callbacks around the class's own), closed after the
 * last. The configuration is made when the VM boots.
 */
public final class JqvmGuest implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback, AfterAllCallback {
    /** Makes the configuration when the guest boots. */
    @FunctionalInterface
    public interface ConfigSource {
        JqvmConfig get() throws Exception;
    }

    private final ConfigSource source;
    private Consumer<String> logListener;
    private String readyText;
    private Duration readyTimeout;
    private JqvmVm vm;
    private boolean perClass;

    private JqvmGuest(ConfigSource source) {
        this.source = Objects.requireNonNull(source, "source");
    }

    public static JqvmGuest boot(ConfigSource source) {
        return new JqvmGuest(source);
    }

    /** Boots count as done once the console shows {@code text}, within {@code timeout}; else the test fails. */
    public JqvmGuest readyWhen(String text, Duration timeout) {
        this.readyText = Objects.requireNonNull(text, "text");
        this.readyTimeout = Objects.requireNonNull(timeout, "timeout");
        return this;
    }

    /** Where the VM's log lines go ({@link JqvmVm#logTo}); stderr unless set. */
    public JqvmGuest logTo(Consumer<String> listener) {
        this.logListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** The running VM. */
    public JqvmVm vm() {
        if (vm == null) {
            throw new IllegalStateException("the guest boots before each test (or before all, on a static field)");
        }
        return vm;
    }

    public GuestConsole console() {
        return vm().console();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        perClass = true;
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    private void start() throws Exception {
        JqvmVm started = JqvmVm.create(source.get());
        if (logListener != null) {
            started.logTo(logListener);
        }
        vm = started;
        started.start();
        if (readyText != null) {
            started.console().waitFor(readyText, readyTimeout);
        }
    }

    private void close() throws InterruptedException {
        JqvmVm running = vm;
        vm = null;
        if (running != null) {
            running.close();
        }
    }
}
