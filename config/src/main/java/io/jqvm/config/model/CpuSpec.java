package io.jqvm.config.model;

import io.jqvm.config.Origin;

import java.util.List;
import java.util.Optional;

/**
 * One {@code cpu} entry: one vCPU.
 *
 * @param runmask   0-based host CPUs the vCPU may run on; empty means it floats
 * @param partition the QNX 7.x adaptive partition, if given
 * @param cluster   the QNX 8.0 host CPU cluster, if given (never together with runmask or partition)
 */
public record CpuSpec(Optional<Sched> sched, List<Integer> runmask, Optional<String> partition,
                      Optional<String> cluster, Origin origin) {
    public CpuSpec {
        runmask = List.copyOf(runmask);
    }
}
