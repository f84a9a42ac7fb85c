package io.jqvm.devices.shmem;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a {@code shmem} vdev lets its guest do, from qvm's options: {@code allow}/{@code deny} shell globs over
 * region names (the first that matches decides; with none matching a name is allowed unless some {@code allow}
 * exists, qvm's "implicit opposite default"), {@code subst [orig],prefix} (how a guest's name becomes the host
 * object's), and the {@code umask} and {@code gid} of the objects it creates.
 *
 * @param umask permission bits removed from every region this vdev creates (guest request or {@code create})
 */
public record ShmemPolicy(List<Rule> rules, Optional<Subst> subst, int umask, Optional<Integer> gid) {
    /** One {@code allow} or {@code deny} option. */
    public record Rule(boolean allow, String glob) {
    }

    /** {@code subst orig,prefix}: a name beginning with {@code orig} (any name when empty) gets {@code prefix} instead. */
    public record Subst(String original, String prefix) {
    }

    /** The mode of a region a guest creates, before the umask: read and write for everyone the umask lets in. */
    public static final int GUEST_CREATE_MODE = 0666;
    /** qvm leaves a region private to the VMs' user unless told otherwise. */
    public static final int DEFAULT_UMASK = 0077;

    public static final ShmemPolicy OPEN = new ShmemPolicy(List.of(), Optional.empty(), DEFAULT_UMASK, Optional.empty());

    public ShmemPolicy {
        rules = List.copyOf(rules);
        matchers(rules); // a bad glob fails here, at configuration time
    }

    private static List<PathMatcher> matchers(List<Rule> rules) {
        List<PathMatcher> list = new ArrayList<>();
        for (Rule r : rules) {
            list.add(FileSystems.getDefault().getPathMatcher("glob:" + r.glob()));
        }
        return list;
    }

    /** Whether the guest may create or attach to the region it calls {@code name}. */
    public boolean permits(String name) {
        List<PathMatcher> matchers = matchers(rules);
        Path path = Path.of(name);
        for (int i = 0; i < rules.size(); i++) {
            if (matchers.get(i).matches(path)) {
                return rules.get(i).allow();
            }
        }
        return rules.stream().noneMatch(Rule::allow);
    }

    /** The host object's name for the guest's {@code name}. */
    public String hostName(String name) {
        if (subst.isEmpty()) {
            return name;
        }
        Subst s = subst.get();
        return name.startsWith(s.original()) ? s.prefix() + name.substring(s.original().length()) : name;
    }

    /** The permission bits of a region created with {@code mode}. */
    public int createMode(int mode) {
        return mode & ~umask & 0777;
    }
}
