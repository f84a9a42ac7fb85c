package io.jqvm.config;

import io.jqvm.config.model.VmSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing time grows linearly with the number of vdev and pass lines. */
class ScalingTest {
    @TempDir
    Path cwd;

    private static String config(int lines) {
        StringBuilder text = new StringBuilder("ram 0x80000000,1G\n");
        for (int i = 0; i < lines; i += 2) {
            text.append("vdev virtio-blk loc ").append(0x10000000L + 0x1000L * i).append(" intr gic:").append(32 + i)
                    .append(" hostdev <disk").append(i).append(".img name blk").append(i).append('\n');
            text.append("pass loc mem:").append(0x40000000L + 0x1000L * i).append(",0x1000,rw intr gic:").append(33 + i)
                    .append('\n');
        }
        return text.toString();
    }

    /** The fastest of a few runs, in nanoseconds, to damp the noise of a shared machine. */
    private long bestTime(String name, int lines) {
        Configs.write(cwd, name, config(lines));
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long start = System.nanoTime();
            VmSpec spec = QvmConf.parse(List.of("@" + name), cwd);
            best = Math.min(best, System.nanoTime() - start);
            assertEquals(lines / 2, spec.vdevs().size());
            assertEquals(lines / 2, spec.passes().size());
        }
        return best;
    }

    @Test
    void sixteenTimesTheLinesTakesFarLessThanSixteenSquaredTheTime() {
        bestTime("warmup.conf", 4000);
        long small = bestTime("small.conf", 1000);
        long large = bestTime("large.conf", 16000);
        // 1,000 lines is the size the lead benchmarks; 16,000 makes quadratic work impossible to miss.
        // Linear is a ratio near 16, quadratic near 256; 64 leaves room for garbage collection and load.
        assertTrue(large < 64 * small, "1000 lines took " + small / 1000 + " µs, 16000 lines " + large / 1000 + " µs");
    }
}
