package io.jqvm.boot.initramfs;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Packs a staging directory into a newc initramfs:
 * {@code MakeInitramfs OUTPUT.cpio ROOT_DIR [--char PATH:MAJOR:MINOR:MODE]... [--block PATH:MAJOR:MINOR:MODE]...}.
 * Directories, regular files (with their permission bits) and symbolic links are taken from the tree, in
 * sorted order so that the archive is reproducible; device nodes, which an unprivileged build cannot
 * create on disk, are named on the command line (e.g. {@code --char /dev/console:5:1:600}).
 */
public final class MakeInitramfs {
    private MakeInitramfs() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.err));
    }

    /** The command: 0 on success, 1 for a bad input tree or node, 2 for bad usage (message on {@code err}). */
    static int run(String[] args, PrintStream err) throws IOException {
        if (args.length < 2) {
            err.println("usage: MakeInitramfs OUTPUT.cpio ROOT_DIR [--char|--block PATH:MAJOR:MINOR:MODE]...");
            return 2;
        }
        Path output = Path.of(args[0]);
        Path root = Path.of(args[1]);
        if (!Files.isDirectory(root)) {
            err.println("MakeInitramfs: " + root + " is not a directory");
            return 1;
        }
        List<String[]> nodes = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            if ((!args[i].equals("--char") && !args[i].equals("--block")) || i + 1 >= args.length) {
                err.println("MakeInitramfs: unexpected argument " + args[i]);
                return 2;
            }
            nodes.add(new String[] {args[i], args[++i]});
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(output));
             CpioWriter cpio = new CpioWriter(out)) {
            write(cpio, root, nodes);
        } catch (IllegalArgumentException e) {
            Files.deleteIfExists(output);
            err.println("MakeInitramfs: " + e.getMessage());
            return 1;
        }
        return 0;
    }

    /** Writes the tree under {@code root}, then the device nodes. */
    static void write(CpioWriter cpio, Path root, List<String[]> nodes) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(p -> !p.equals(root)).sorted().toList();
        }
        for (Path p : paths) {
            String name = root.relativize(p).toString().replace('\\', '/');
            if (Files.isSymbolicLink(p)) {
                cpio.symlink(name, Files.readSymbolicLink(p).toString());
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                cpio.directory(name, permissions(p));
            } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                cpio.file(name, permissions(p), Files.readAllBytes(p));
            } else {
                throw new IllegalArgumentException(p + " is neither a file, a directory nor a symbolic link");
            }
        }
        for (String[] node : nodes) {
            String[] f = node[1].split(":");
            if (f.length != 4) {
                throw new IllegalArgumentException("device node \"" + node[1] + "\" is not PATH:MAJOR:MINOR:MODE");
            }
            int major = number(node[1], f[1], 10, "major");
            int minor = number(node[1], f[2], 10, "minor");
            int mode = number(node[1], f[3], 8, "octal mode");
            if (node[0].equals("--char")) {
                cpio.characterDevice(f[0], mode, major, minor);
            } else {
                cpio.blockDevice(f[0], mode, major, minor);
            }
        }
    }

    private static int number(String node, String text, int radix, String what) {
        try {
            return Integer.parseInt(text, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device node \"" + node + "\": " + what + " \"" + text + "\" is not a number");
        }
    }

    /** Permission bits including set-uid, set-gid and sticky (e.g. a 1777 /tmp). */
    private static int permissions(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
