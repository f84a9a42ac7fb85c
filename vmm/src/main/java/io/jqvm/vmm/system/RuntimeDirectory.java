package io.jqvm.vmm.system;

import io.jqvm.common.ExitStatus;
import io.jqvm.common.Log;
import io.jqvm.common.VmmException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.LinkOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Where the VMs of one host meet: {@code <runtime>/<system>/}, qvm's {@code /dev/qvm/<system>/}. Named vdevs
 * publish their endpoints (sockets, shared-memory names) here, so a sibling VM finds them by name.
 *
 * <p>Ownership is a POSIX record lock ({@link FileChannel#tryLock()}) on the directory's {@value #PID_FILE} file, which also holds the owner's
 * process id: the kernel drops the lock when the owner dies however it dies, so a directory whose lock can be
 * taken is stale (its owner was killed) and is emptied and reused. A VM with an explicit {@code system} name
 * owns {@code <system>}; an unnamed VM gets {@code qvm-guest-<pid>}, so any number of unnamed VMs can run at
 * once (qvm's default name, {@code qvm-guest}, names no one VM). Everything is private to the owner (0700) and removed
 * when the VM ends.
 */
public final class RuntimeDirectory implements AutoCloseable {
    /** The lock and owner file inside every VM's directory. */
    static final String PID_FILE = "pid";
    private static final int CLAIM_ATTEMPTS = 8;
    /** Unnamed VMs started by this process so far (an embedding program may run several). */
    private static final AtomicInteger UNNAMED = new AtomicInteger();
    /** Directories this process holds (an embedding program may run several VMs). */
    private static final Set<Path> CLAIMED_HERE = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel pidChannel;
    private final FileLock lock;

    private RuntimeDirectory(Path path, FileChannel pidChannel, FileLock lock) {
        this.path = path;
        this.pidChannel = pidChannel;
        this.lock = lock;
    }

    /**
     * {@code $JQVM_RUNTIME_DIR}, else {@code /run/jqvm} for root, else {@code $XDG_RUNTIME_DIR/jqvm}, else (no
     * session runtime directory, e.g. a cron job) {@code /tmp/jqvm-<uid>}, which {@link #claim} checks is ours.
     */
    public static Path root(Map<String, String> environment, long uid) {
        String explicit = environment.get("JQVM_RUNTIME_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath();
        }
        if (uid == 0) {
            return Path.of("/run/jqvm");
        }
        String session = environment.get("XDG_RUNTIME_DIR");
        if (session != null && !session.isBlank()) {
            return Path.of(session, "jqvm");
        }
        return Path.of("/tmp", "jqvm-" + uid);
    }

    /** The root for this process: {@link #root(Map, long)} with its environment and user. */
    public static Path root() {
        return root(System.getenv(), currentUid());
    }

    /** The directory name of a VM: its {@code system} name, or a per-process one for an unnamed VM. */
    public static String directoryName(Optional<String> system) {
        return system.orElseGet(() -> {
            int n = UNNAMED.getAndIncrement();
            return "qvm-guest-" + ProcessHandle.current().pid() + (n == 0 ? "" : "-" + n);
        });
    }

    /**
     * Takes {@code <root>/<name>/} for this process, replacing what a dead owner left there.
     *
     * @throws VmmException (64) when a live process holds it, naming that process, or when the directory cannot
     *                      be made private to this user
     */
    public static RuntimeDirectory claim(Path root, String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "system name '" + name
                    + "' cannot name a runtime directory");
        }
        try {
            createPrivate(root);
            Path dir = root.resolve(name).toAbsolutePath().normalize();
            // Checked before the file is opened: closing any descriptor of a file drops every POSIX lock this
            // process holds on it, so a second claim from this process must not even open it.
            if (!CLAIMED_HERE.add(dir)) {
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "system '" + name
                        + "' is already running in this process (it holds " + dir + ")");
            }
            try {
                for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
                    RuntimeDirectory claimed = tryClaim(dir);
                    if (claimed != null) {
                        return claimed;
                    }
                }
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot claim " + dir
                        + ": other processes keep creating and removing it");
            } catch (IOException | RuntimeException e) {
                CLAIMED_HERE.remove(dir);
                throw e;
            }
        } catch (IOException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot create the runtime directory under "
                    + root + ": " + e.getMessage());
        }
    }

    /** One attempt; null when the directory changed under us (an owner was just removing it): try again. */
    private static RuntimeDirectory tryClaim(Path dir) throws IOException {
        createPrivate(dir);
        Path pidFile = dir.resolve(PID_FILE);
        FileChannel channel;
        Object openedFile;
        try {
            channel = FileChannel.open(pidFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            openedFile = fileKey(pidFile);
        } catch (NoSuchFileException e) {
            return null;
        }
        FileLock lock = null;
        try {
            lock = channel.tryLock();
            if (lock == null) {
                String holder = readHolder(channel);
                throw new VmmException(ExitStatus.FATAL_BEFORE_START, "system '" + dir.getFileName()
                        + "' is already running (process " + holder + " holds " + dir + ")");
            }
            // An owner removes the file before releasing its lock: if the name now leads to another file (or to
            // none), we locked a removed one and must start over. The check must not open the file: closing any
            // descriptor of it would drop this process's POSIX lock.
            if (!openedFile.equals(fileKeyOrNull(pidFile))) {
                lock.release();
                channel.close();
                return null;
            }
            byte[] me = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            // No force(): readers see the page cache, and the pid means nothing once this process (and its lock)
            // is gone; the fdatasync took 1-15 ms of every start on this (busy) build host.
            channel.write(ByteBuffer.wrap(me), 0);
            removeStaleEntries(dir);
            return new RuntimeDirectory(dir, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
            channel.close();
            throw e;
        }
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    private static Object fileKeyOrNull(Path file) throws IOException {
        try {
            return fileKey(file);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static String readHolder(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        return text.isEmpty() ? "(unknown)" : text;
    }

    private static void removeStaleEntries(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : entries.filter(p -> !p.getFileName().toString().equals(PID_FILE)).toList()) {
                Log.info("replacing " + entry + ", left by a VM that did not end cleanly");
                deleteTree(entry);
            }
        }
    }

    private static void createPrivate(Path dir) throws IOException {
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new IOException(dir + " exists and is not a directory");
            }
        }
        long owner = ((Number) Files.getAttribute(dir, "unix:uid")).longValue();
        if (owner != currentUid()) {
            throw new IOException(dir + " belongs to user " + owner + ", not to this user");
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }

    private static long currentUid() {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        } catch (IOException e) {
            throw new VmmException(ExitStatus.FATAL_BEFORE_START, "cannot tell this process's user: " + e.getMessage());
        }
    }

    private static void deleteTree(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.toList()) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(path);
    }

    /**
     * The process id a live holder of {@code dir} wrote, or empty when no process holds it (never claimed, or its
     * owner died: stale). Tests the lock without taking {@code dir}; this process's own directories are answered
     * from memory, since opening their lock file here would drop this process's lock when closed.
     */
    public static Optional<String> holder(Path dir) {
        Path normalized = dir.toAbsolutePath().normalize();
        if (CLAIMED_HERE.contains(normalized)) {
            return Optional.of(Long.toString(ProcessHandle.current().pid()));
        }
        try (FileChannel channel = FileChannel.open(normalized.resolve(PID_FILE), StandardOpenOption.READ)) {
            FileLock probe = channel.tryLock(0, Long.MAX_VALUE, true);
            if (probe != null) {
                probe.release();
                return Optional.empty();
            }
            return Optional.of(readHolder(channel));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("(unknown: " + e.getMessage() + ")");
        }
    }

    /** The VM's directory. */
    public Path path() {
        return path;
    }

    /** Where a named vdev publishes its endpoint: {@code <runtime>/<system>/<name>}. */
    public Path endpoint(String name) {
        if (name.isEmpty() || name.contains("/") || name.equals(PID_FILE) || name.startsWith(".")) {
            throw new IllegalArgumentException("not an endpoint name: " + name);
        }
        return path.resolve(name);
    }

    /** Removes the directory and everything published in it, then gives up the claim. */
    @Override
    public void close() {
        try {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path entry : entries.filter(p -> !p.getFileName().toString().equals(PID_FILE)).toList()) {
                    deleteTree(entry);
                }
            }
            Files.deleteIfExists(path.resolve(PID_FILE));
            try {
                Files.deleteIfExists(path);
            } catch (DirectoryNotEmptyException e) {
                Log.warn("runtime directory " + path + " not removed: something was added while it closed");
            }
        } catch (IOException e) {
            Log.warn("cannot remove the runtime directory " + path + ": " + e.getMessage());
        } finally {
            try {
                lock.release();
                pidChannel.close();
            } catch (IOException e) {
                Log.warn("cannot release the runtime directory " + path + ": " + e.getMessage());
            } finally {
                CLAIMED_HERE.remove(path);
            }
        }
    }
}
