package io.jqvm.vmm.pass;

import io.jqvm.common.VmmException;
import io.jqvm.vmm.system.RuntimeDirectory;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The host resources one VM passes through, claimed host-wide under {@code <runtime>/pass/}: one directory per
 * claimed range of a host object ({@code <object>@<offset>+<length>}), held with {@link RuntimeDirectory}'s lock,
 * so a VM that dies however it dies lets go of its claims. A second VM asking for a range that overlaps a live
 * claim is refused and told which VM (and process) holds it. Two VMs that start at the same instant with
 * overlapping but unequal ranges can both pass the overlap check (equal ranges cannot: the lock decides).
 */
public final class PassClaims implements AutoCloseable {
    /** The file in a claim directory naming the VM that holds it. */
    static final String HOLDER_FILE = "vm";

    private final Path root;
    private final String vmName;
    private final List<RuntimeDirectory> held = new ArrayList<>();

    /** @param runtimeRoot the host's runtime root ({@link RuntimeDirectory#root()}) */
    public PassClaims(Path runtimeRoot, String vmName) {
        this.root = runtimeRoot.resolve("pass");
        this.vmName = vmName;
    }

    /**
     * Claims {@code [offset, offset + length)} of host object {@code object} (an identity, see
     * {@link HostRegion#objectIdentity}) for this VM.
     *
     * @param what the resource as the configuration wrote it, for the message
     * @throws PassThroughException when another live VM holds an overlapping range
     */
    public void claim(String object, long offset, long length, String what) {
        String prefix = URLEncoder.encode(object, StandardCharsets.UTF_8) + "@";
        String name = prefix + Long.toHexString(offset) + "+" + Long.toHexString(length);
        for (RuntimeDirectory mine : held) {
            if (mine.path().getFileName().toString().equals(name)) {
                return; // this VM passes the same range twice (two guest addresses): one claim
            }
        }
        for (Path other : overlapping(prefix, offset, length)) {
            Optional<String> pid = RuntimeDirectory.holder(other);
            if (pid.isPresent()) {
                throw heldBy(what, other, pid.get());
            }
        }
        RuntimeDirectory claimed;
        try {
            claimed = RuntimeDirectory.claim(root, name);
        } catch (VmmException e) { // the same range, claimed an instant before us
            throw heldBy(what, root.resolve(name), RuntimeDirectory.holder(root.resolve(name)).orElse("(ended)"));
        }
        held.add(claimed);
        try {
            Files.writeString(claimed.endpoint(HOLDER_FILE), vmName + "\n");
        } catch (IOException e) {
            throw new PassThroughException("cannot record the claim of " + what + " in " + claimed.path() + ": " + e.getMessage());
        }
    }

    private List<Path> overlapping(String prefix, long offset, long length) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Path> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            for (Path entry : entries.toList()) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(prefix) || held.stream().anyMatch(h -> h.path().equals(entry))) {
                    continue;
                }
                String[] range = name.substring(prefix.length()).split("\\+", 2);
                try {
                    long otherOffset = Long.parseUnsignedLong(range[0], 16);
                    long otherLength = Long.parseUnsignedLong(range[1], 16);
                    if (Long.compareUnsigned(offset, otherOffset + otherLength) < 0
                            && Long.compareUnsigned(otherOffset, offset + length) < 0) {
                        found.add(entry);
                    }
                } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                    // not a claim: ignored
                }
            }
        } catch (IOException e) {
            throw new PassThroughException("cannot read the pass-through claims in " + root + ": " + e.getMessage());
        }
        return found;
    }

    private static PassThroughException heldBy(String what, Path claim, String pid) {
        String vm;
        try {
            vm = "VM '" + Files.readString(claim.resolve(HOLDER_FILE)).strip() + "'";
        } catch (IOException e) {
            vm = "another VM";
        }
        return new PassThroughException(what + " is already passed through to " + vm + " (process " + pid + ", claim "
                + claim + ")");
    }

    /** Gives every claim up (the directories are removed). */
    @Override
    public void close() {
        for (int i = held.size() - 1; i >= 0; i--) {
            held.get(i).close();
        }
        held.clear();
    }

    @Override
    public String toString() {
        return "pass-through claims of " + vmName + " under " + root + " (" + held.size() + ", e.g. "
                + held.stream().findFirst().map(h -> h.path().getFileName().toString()).orElse("none") + ")";
    }
}
