package io.jqvm.virtio.mmio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.common.Log;
import io.jqvm.virtio.rng.EntropySource;
import io.jqvm.virtio.rng.VirtioEntropy;
import io.jqvm.virtio.testing.FuzzInput;
import io.jqvm.virtio.testing.GuardedMemory;
import io.jqvm.virtio.testing.ManualClock;
import io.jqvm.virtio.testing.MmioDriver;
import io.jqvm.virtio.testing.RecordingIrq;
import io.jqvm.virtio.testing.RingDriver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The whole virtio-mmio transport with a virtio-entropy device behind it, driven by a hostile driver's script of
 * register reads and writes (any offset and size, values that are often guest addresses), stores into guest RAM,
 * the passing of time (for {@code delayed}), and whole Linux-like set-ups so the search reaches deep states
 * quickly. For every input: nothing escapes {@code read}/{@code write} (no exception at all), the interrupt line
 * is asserted exactly while InterruptStatus is non-zero, and the guard bytes around guest RAM stay untouched.
 *
 * <p>A normal run replays {@code MmioTransportFuzzTestInputs/registers/} (checking each ends in the state its name
 * gives) and 1,000 jqwik inputs;
 * {@code JAZZER_FUZZ=1} searches with coverage guidance (virtio/README.md).
 */
class MmioTransportFuzzTest {
    static final long RAM_BASE = 0x4000_0000L;
    static final long RAM_SIZE = 0x10000;
    private static final GuardedMemory RAM = new GuardedMemory(RAM_BASE, RAM_SIZE);
    private static final int[] REGISTERS = {
        MmioRegisters.MAGIC, MmioRegisters.VERSION, MmioRegisters.DEVICE_FEATURES, MmioRegisters.DEVICE_FEATURES_SEL,
        MmioRegisters.DRIVER_FEATURES, MmioRegisters.DRIVER_FEATURES_SEL, MmioRegisters.GUEST_PAGE_SIZE,
        MmioRegisters.QUEUE_SEL, MmioRegisters.QUEUE_NUM_MAX, MmioRegisters.QUEUE_NUM, MmioRegisters.QUEUE_ALIGN,
        MmioRegisters.QUEUE_PFN, MmioRegisters.QUEUE_READY, MmioRegisters.QUEUE_NOTIFY, MmioRegisters.INTERRUPT_STATUS,
        MmioRegisters.INTERRUPT_ACK, MmioRegisters.STATUS, MmioRegisters.QUEUE_DESC_LOW, MmioRegisters.QUEUE_DESC_HIGH,
        MmioRegisters.QUEUE_DRIVER_LOW, MmioRegisters.QUEUE_DRIVER_HIGH, MmioRegisters.QUEUE_DEVICE_LOW,
        MmioRegisters.QUEUE_DEVICE_HIGH, MmioRegisters.SHM_SEL, MmioRegisters.SHM_LEN_LOW,
        MmioRegisters.CONFIG_GENERATION, MmioRegisters.CONFIG,
    };

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            Log.configure(List.of(), List.of());
        }
    }

    @FuzzTest(maxDuration = "15m")
    void registers(byte[] input) {
        run(input);
    }

    /**
     * The committed inputs are the smallest the search found for each state a script can end in (modern or legacy,
     * active or not, interrupts pending, DEVICE_NEEDS_RESET, features negotiated); each is named after that state
     * and must still end in it.
     */
    @Test
    void committedInputsEndInTheStatesTheirNamesSay() throws Exception {
        Path dir = Path.of(getClass().getResource("MmioTransportFuzzTestInputs/registers").toURI());
        List<Path> inputs;
        try (var files = Files.list(dir)) {
            inputs = files.toList();
        }
        assertTrue(inputs.size() >= 10, "committed inputs: " + inputs.size());
        for (Path p : inputs) {
            assertEquals(p.getFileName().toString(), stateName(run(Files.readAllBytes(p))));
        }
    }

    /** A file name for the state a script ends in. */
    static String stateName(VirtioMmioTransport.TransportState s) {
        return s == null ? "unbuilt" : String.format("status-%02x-interrupt-%d-features-%x-%s", s.status(),
                s.interruptStatus(), s.features(), s.active() ? "active" : "inactive");
    }

    @Property(tries = 1000)
    void randomScripts(@ForAll @Size(max = 300) byte[] input) {
        run(input);
    }

    /** Runs one script; returns the transport's state at its end (null when the device could not be built). */
    static VirtioMmioTransport.TransportState run(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        RAM.clearRam();
        ManualClock clock = new ManualClock();
        RecordingIrq irq = new RecordingIrq();
        int failuresToOpen = in.u8() % 3;
        int[] attempts = {0};
        EntropySource.Opener opener = () -> {
            if (attempts[0]++ < failuresToOpen) {
                throw new IOException("not there yet");
            }
            return dst -> Arrays.fill(dst, (byte) 0x5a);
        };
        VirtioEntropy rng;
        try {
            rng = in.bool() ? VirtioEntropy.open("fuzz-rng", opener, clock, Runnable::run)
                    : VirtioEntropy.delayed("fuzz-rng", opener, in.u8() * 1_000_000_000L, clock, Runnable::run);
        } catch (IOException e) {
            return null; // an eager open that fails is a configuration error, before any guest runs
        }
        VirtioMmioTransport t = new VirtioMmioTransport("fuzz", rng, RAM.memory(), irq, in.bool());
        MmioDriver driver = new MmioDriver(t, RAM.memory(), RAM_BASE + 0x8000);
        RingDriver ring = null;
        for (int ops = 0; ops < 64 && !in.exhausted(); ops++) {
            switch (in.u8() % 10) {
                case 0, 1, 2 -> t.write(0, register(in), 4, value(in));
                case 3 -> t.write(0, in.u16() % 0x140, (int) in.pick(1, 2, 4, 8), value(in));
                case 4 -> t.read(0, in.bool() ? register(in) : in.u16() % 0x140, (int) in.pick(1, 2, 4, 8));
                case 5 -> {
                    long at = RAM_BASE + (in.u16() & (RAM_SIZE - 8));
                    RAM.memory().write64(at, in.u64());
                }
                case 6 -> clock.advance(in.u8() * 250_000_000L);
                case 7 -> {
                    driver = new MmioDriver(t, RAM.memory(), RAM_BASE + 0x8000);
                    ring = null;
                    if (driver.negotiate(in.u64())) {
                        ring = driver.setupQueue(0, 1 << (in.u8() % 9), 0x2000);
                        driver.driverOk();
                    }
                }
                case 8 -> {
                    if (ring != null) {
                        int len = 1 + in.u16() % 0x1800;
                        try {
                            if (in.bool()) {
                                ring.addIndirect(List.of(), List.of(len));
                            } else {
                                ring.add(List.of(), List.of(len));
                            }
                        } catch (RuntimeException noRoom) {
                            ring = null; // the script's driver ran out of descriptors: it stops adding
                        }
                        driver.notify(0);
                    }
                }
                default -> {
                    if (ring != null) {
                        ring.pollUsed();
                        driver.acknowledgeInterrupt();
                    }
                }
            }
            VirtioMmioTransport.TransportState s = t.state();
            if (irq.level() != (s.interruptStatus() != 0)) {
                throw new IllegalStateException("interrupt line " + irq.level() + " with status " + s.interruptStatus());
            }
        }
        rng.close();
        if (!RAM.guardsIntact()) {
            throw new IllegalStateException("a write landed outside guest memory");
        }
        return t.state();
    }

    private static int register(FuzzInput in) {
        return REGISTERS[in.u8() % REGISTERS.length];
    }

    /** Often a plausible guest address or page number, so ring set-ups succeed often enough to go deeper. */
    private static long value(FuzzInput in) {
        return switch (in.u8() % 4) {
            case 0 -> RAM_BASE + (in.u16() & ~15);
            case 1 -> (RAM_BASE >>> 12) + in.u8() % 16;
            case 2 -> in.u8();
            default -> in.u32();
        };
    }
}
