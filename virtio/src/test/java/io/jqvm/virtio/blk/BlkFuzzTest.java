package io.jqvm.virtio.blk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.InputStream;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * {@link BlkFuzzTarget} under Jazzer and jqwik. In a normal test run Jazzer replays the committed inputs in
 * {@code src/test/resources/io/jqvm/virtio/blk/BlkFuzzTestInputs/request/} (regression mode) and jqwik adds
 * random ones; {@code JAZZER_FUZZ=1} makes Jazzer search with coverage guidance (see virtio/README.md).
 */
class BlkFuzzTest {
    @FuzzTest(maxDuration = "10m")
    void request(byte[] input) {
        BlkFuzzTarget.run(input);
    }

    /** The committed seeds reach the request parser and get the statuses their names promise. */
    @Test
    void seedsAreServed() throws Exception {
        Map<String, Integer> expected = Map.of("read", 0, "write", 0, "write-read-only", 1, "flush", 0, "get-id", 0,
                "discard", 0, "write-zeroes-unmap", 0, "header-and-status-in-one-buffer-each-split", 0,
                "write-zeroes-on-read-only-disk", 2); // found by Jazzer: the image was written through a read-only channel
        for (var e : expected.entrySet()) {
            try (InputStream in = getClass().getResourceAsStream("BlkFuzzTestInputs/request/" + e.getKey())) {
                assertEquals(e.getValue(), BlkFuzzTarget.run(in.readAllBytes()), e.getKey());
            }
        }
    }

    @Property(tries = 1500)
    void randomRequests(@ForAll @Size(max = 600) byte[] input) {
        BlkFuzzTarget.run(input);
    }
}
