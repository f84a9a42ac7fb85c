package io.jqvm.cpu.a64.simd;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the aarch64 cross toolchain and QEMU user mode for the tests. */
final class CrossTools {
    private CrossTools() {
    }

    /** Assembles one instruction per line and returns the encodings, in order. */
    static int[] assemble(List<String> lines) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jqvm-simd-asm");
        try {
            Path source = dir.resolve("insns.s");
            Files.writeString(source, String.join("\n", lines) + "\n");
            run(dir, "aarch64-linux-gnu-as", "-o", "insns.o", "insns.s");
            run(dir, "aarch64-linux-gnu-objcopy", "-O", "binary", "-j", ".text", "insns.o", "insns.bin");
            byte[] bytes = Files.readAllBytes(dir.resolve("insns.bin"));
            if (bytes.length != 4 * lines.size()) {
                throw new IllegalStateException("assembled " + bytes.length / 4 + " words for " + lines.size() + " lines");
            }
            int[] words = new int[lines.size()];
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(words);
            return words;
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * Disassembles the words with aarch64-linux-gnu-objdump (which knows every architecture extension) and returns
     * each one's text, or null where objdump finds no instruction.
     */
    static String[] disassemble(int[] words) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jqvm-simd-dis");
        try {
            StringBuilder source = new StringBuilder();
            for (int word : words) {
                source.append(String.format(".inst 0x%08x%n", word));
            }
            Files.writeString(dir.resolve("words.s"), source);
            run(dir, "aarch64-linux-gnu-as", "-o", "words.o", "words.s");
            String listing = run(dir, "aarch64-linux-gnu-objdump", "-d", "words.o");
            String[] texts = new String[words.length];
            for (String line : listing.split("\n")) {
                String[] fields = line.split("\t");
                if (fields.length < 3 || !fields[0].trim().endsWith(":")) {
                    continue;
                }
                int index = Integer.parseInt(fields[0].trim().replace(":", ""), 16) / 4;
                String text = String.join(" ", java.util.Arrays.copyOfRange(fields, 2, fields.length));
                texts[index] = text.startsWith(".inst") ? null : text;
            }
            return texts;
        } finally {
            deleteTree(dir);
        }
    }

    /** Builds a static, freestanding program from assembly source and returns its standard output under QEMU. */
    static String runUnderQemu(String assembly) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jqvm-simd-qemu");
        try {
            Files.writeString(dir.resolve("prog.s"), assembly);
            run(dir, "aarch64-linux-gnu-gcc", "-static", "-nostdlib", "-o", "prog", "prog.s");
            return run(dir, "qemu-aarch64", "./prog");
        } finally {
            deleteTree(dir);
        }
    }

    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(command[0] + " timed out");
        }
        String text = new String(output, StandardCharsets.ISO_8859_1);
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + process.exitValue() + "):\n" + text);
        }
        return text;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
