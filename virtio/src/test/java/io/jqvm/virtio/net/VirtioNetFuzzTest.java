package io.jqvm.virtio.net;

import io.jqvm.virtio.VirtqueueException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;

/** Random inputs through {@link VirtioNetFuzzTarget}: whatever a driver writes, the device does not break. */
class VirtioNetFuzzTest {
    @Property(tries = 3000)
    void anyDriverInputLeavesTheHostUnharmed(@ForAll @Size(max = 400) byte[] input) throws VirtqueueException {
        VirtioNetFuzzTarget.run(input);
    }
}
