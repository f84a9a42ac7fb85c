package io.jqvm.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jqvm.common.Log;
import io.jqvm.virtio.testing.FuzzInput;
import io.jqvm.virtio.testing.GuardedMemory;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The virtqueue walker against a hostile driver. One input is: queue size, event-idx flag, where the three
 * rings lie (in, across the edge of, or outside RAM), then a script of device steps (pop and serve, undo a pop,
 * move the available index, ask whether to interrupt); the rest of the input is the guest RAM's contents, so
 * descriptors, indirect tables and ring indices are all the fuzzer's. For every input: nothing but
 * {@link VirtqueueException} escapes, and the guard bytes around guest RAM stay untouched.
 *
 * <p>A normal test run replays {@code VirtqueueFuzzTestInputs/walk/} (Jazzer's regression mode) and 2,000
 * jqwik inputs; {@code JAZZER_FUZZ=1} searches with coverage guidance (virtio/README.md).
 */
class VirtqueueFuzzTest {
    static final long RAM_BASE = 0x10000;
    static final long RAM_SIZE = 0x10000;
    private static final GuardedMemory RAM = new GuardedMemory(RAM_BASE, RAM_SIZE, 0x1000);

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            Log.configure(List.of(), List.of()); // millions of refused rings would otherwise each log a line
        }
    }

    @FuzzTest(maxDuration = "20m")
    void walk(byte[] input) {
        run(input);
    }

    /** The committed seeds are well-formed rings whose chains (direct, indirect, direct ending in indirect) are served. */
    @Test
    void seedsAreServed() throws Exception {
        Map<String, Integer> expected = Map.of("direct-chains", 2, "indirect-chain-event-idx", 2, "direct-then-indirect", 1);
        for (var e : expected.entrySet()) {
            try (InputStream in = getClass().getResourceAsStream("VirtqueueFuzzTestInputs/walk/" + e.getKey())) {
                assertEquals(e.getValue(), run(in.readAllBytes()), e.getKey());
            }
        }
    }

    @Property(tries = 2000)
    void randomQueues(@ForAll @Size(max = 400) byte[] input) {
        run(input);
    }

    /** Runs one input; returns the chains served, or -1 when the queue refused the driver's rings or chains. */
    static int run(byte[] data) {
        FuzzInput in = new FuzzInput(data);
        int size = in.bool() ? 1 << (in.u8() % 9) : in.u16();
        boolean eventIdx = in.bool();
        long desc = address(in);
        long avail = address(in);
        long used = address(in);
        int steps = 1 + in.u8() % 32;
        long[] script = new long[steps];
        for (int i = 0; i < steps; i++) {
            script[i] = in.u32();
        }
        RAM.clearRam();
        RAM.loadRam(data, in.position());
        int served = 0;
        try {
            Virtqueue q = new Virtqueue(RAM.memory(), size, desc, avail, used, eventIdx);
            for (long step : script) {
                served += step(q, step) ? 1 : 0;
            }
        } catch (VirtqueueException expected) {
            served = -1; // the driver broke the protocol: the device would ask for a reset
        }
        if (!RAM.guardsIntact()) {
            throw new IllegalStateException("a write landed outside guest memory");
        }
        return served;
    }

    /** Mostly inside RAM (aligned or not), sometimes at its edges, sometimes anywhere. */
    private static long address(FuzzInput in) {
        return switch (in.u8() % 4) {
            case 0, 1 -> RAM_BASE + (in.u16() & ~15);
            case 2 -> RAM_BASE + in.u16() + in.u8() - 128;
            default -> in.u64();
        };
    }

    private static boolean step(Virtqueue q, long step) throws VirtqueueException {
        switch ((int) (step & 3)) {
            case 0, 1 -> {
                DescriptorChain chain = q.pop();
                if (chain == null) {
                    return false;
                }
                byte[] buffer = new byte[1024];
                long offset = (step >>> 8) & 0xfff;
                chain.read(offset, buffer, 0, buffer.length);
                int written = chain.write(offset, buffer, 0, (int) Math.min(buffer.length, (step >>> 20) & 0x7ff));
                q.addUsed(chain, written);
                return true;
            }
            case 2 -> {
                if (q.pop() != null) {
                    q.undoPop();
                }
            }
            default -> {
                q.hasAvailable();
                q.needsInterrupt();
            }
        }
        return false;
    }
}
