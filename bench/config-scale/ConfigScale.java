import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Config scaling: times {@code ./jqvm @file dryrun} (JVM start, parse, assemble, dry-run report) on generated
 * aarch64 boards with N extra configuration lines, half {@code vdev pl031} and half {@code pass loc mem:}, each
 * at its own address. A board with no extra lines is the baseline; its time (mostly JVM start-up) is
 * subtracted to give the marginal cost of the lines. Runs are interleaved across sizes so that load changes on
 * a shared host hit every size alike; medians are printed.
 *
 * <p>Run with the JDK's source launcher: {@code java ConfigScale.java REPO REPEAT N...}.
 */
public final class ConfigScale {
    private static final int GIC_SPIS = 256; // jqvm's GICv2 has lines 0-287; devices share SPIs 32-287

    public static void main(String[] args) throws Exception {
        Path repo = Path.of(args[0]).toAbsolutePath();
        int repeat = Integer.parseInt(args[1]);
        List<Integer> sizes = new ArrayList<>(List.of(0));
        for (int i = 2; i < args.length; i++) {
            sizes.add(Integer.parseInt(args[i]));
        }
        Path dir = Files.createTempDirectory("config-scale");
        try {
            run(repo, repeat, sizes, dir);
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    static void run(Path repo, int repeat, List<Integer> sizes, Path dir) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int n : sizes) {
            Path file = dir.resolve("scale-" + n + ".qvmconf");
            Files.writeString(file, board(n), StandardCharsets.US_ASCII);
            files.add(file);
        }
        long[][] nanos = new long[sizes.size()][repeat];
        for (int r = 0; r < repeat; r++) {
            for (int s = 0; s < sizes.size(); s++) {
                nanos[s][r] = timeDryrun(repo, files.get(s), sizes.get(s), dir);
            }
        }
        double base = median(nanos[0]) / 1e9;
        System.out.printf("config-scale: median of %d runs; baseline (no extra lines) %.3f s%n", repeat, base);
        System.out.printf("%7s %10s %14s %12s %16s %12s %14s%n", "lines", "total s", "total us/line", "marginal s",
                "marginal us/line", "total ratio", "marginal ratio");
        double prevTotal = 0, prevMarginal = 0;
        for (int s = 1; s < sizes.size(); s++) {
            int n = sizes.get(s);
            double total = median(nanos[s]) / 1e9;
            double marginal = total - base;
            String totalRatio = s > 1 ? String.format("%.2f", total / prevTotal) : "-";
            String marginalRatio = s > 1 ? String.format("%.2f", marginal / prevMarginal) : "-";
            System.out.printf("%7d %10.3f %14.1f %12.3f %16.1f %12s %14s%n", n, total, total / n * 1e6, marginal,
                    marginal / n * 1e6, totalRatio, marginalRatio);
            prevTotal = total;
            prevMarginal = marginal;
        }
        System.out.println("(sizes double: a linear cost gives a marginal ratio near 2, a quadratic one near 4)");
    }

    /** An aarch64 board plus n/2 vdev lines and n - n/2 pass lines. */
    static String board(int n) {
        StringBuilder sb = new StringBuilder();
        sb.append("system scale\narch aarch64\nram 0x40000000,256M\ncpu\n");
        sb.append("vdev gic version 2 gicd 0x08000000 gicc 0x08010000\n");
        int vdevs = n / 2;
        for (int i = 0; i < vdevs; i++) {
            sb.append(String.format("vdev pl031 loc 0x%x intr gic:%d%n", 0x1000_0000L + i * 0x1000L, 32 + i % GIC_SPIS));
        }
        for (int i = 0; i < n - vdevs; i++) {
            sb.append(String.format("pass loc mem:0x%x,0x1000%n", 0x2000_0000L + i * 0x1000L));
        }
        return sb.toString();
    }

    /** Wall time of one dryrun; fails unless it succeeded and its memory map lists every generated line. */
    static long timeDryrun(Path repo, Path file, int n, Path dir) throws IOException, InterruptedException {
        Path out = dir.resolve("out.txt");
        ProcessBuilder pb = new ProcessBuilder(repo.resolve("jqvm").toString(), "@" + file, "dryrun")
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        Path.of("/dev/null").toFile()));
        long start = System.nanoTime();
        int status = pb.start().waitFor();
        long elapsed = System.nanoTime() - start;
        List<String> lines = Files.readAllLines(out);
        long mapped = lines.stream().filter(l -> l.matches("\\s+0x\\S+\\s+0x\\S+\\s+4K\\s+(device\\s+pl031|pass)\\b.*")).count();
        if (status != 0 || mapped != n) {
            throw new IllegalStateException(file + ": status " + status + ", " + mapped + " of " + n
                    + " lines in the memory map; output starts: " + lines.subList(0, Math.min(10, lines.size())));
        }
        return elapsed;
    }

    static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2.0;
    }
}
