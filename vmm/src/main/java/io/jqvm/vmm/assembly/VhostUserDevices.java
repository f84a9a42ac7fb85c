package io.jqvm.vmm.assembly;

import io.jqvm.config.ConfigException;
import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import io.jqvm.virtio.VirtioDevice;
import io.jqvm.virtio.vhostuser.VhostUserDevice;
import io.jqvm.virtio.vhostuser.VhostUserException;
import io.jqvm.virtio.vhostuser.VhostUserProfile;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The vhost-user vdevs (jqvm extensions): virtio devices behind {@link VirtioMmioVdevs}' transport (virtio-pci
 * without {@code loc}, virtio-mmio with it) whose queues a back end in another process serves, reached at
 * {@code socket}. The guest's RAM is then shareable ({@code VmBuilder} allocates it as memfds when such a vdev
 * exists). A back end that cannot be reached or
 * lacks what jqvm's transports offer is an error at the socket option, as a missing disk image is at hostdev.
 */
final class VhostUserDevices {
    private VhostUserDevices() {
    }

    static VirtioDevice fs(Assembly a, VdevSpec v, String owner) {
        String tag = v.value("tag", Value.Text.class).orElseThrow().value();
        return open(a, v, owner, VhostUserProfile.fs(tag));
    }

    static VirtioDevice blk(Assembly a, VdevSpec v, String owner) {
        return open(a, v, owner, VhostUserProfile.blk());
    }

    /** Without {@code mac}, the address is derived from the VM and vdev names, as virtio-net's. */
    static VirtioDevice net(Assembly a, VdevSpec v, String owner) {
        return open(a, v, owner, VhostUserProfile.net(VirtioMmioVdevs.macAddress(a, v, owner)));
    }

    private static VirtioDevice open(Assembly a, VdevSpec v, String owner, VhostUserProfile profile) {
        var socket = v.option("socket").orElseThrow();
        if (a.showOnly) {
            a.note(owner + ": vhost-user back end at " + v.value("socket", Value.Text.class).orElseThrow().value()
                    + " (not contacted by a dry run)");
            return VhostUserDevice.unconnected(owner, profile);
        }
        try {
            Path path = Path.of(v.value("socket", Value.Text.class).orElseThrow().value());
            return VhostUserDevice.open(owner, profile, path);
        } catch (VhostUserException | InvalidPathException e) {
            throw new ConfigException(socket.origin(), "vdev " + v.type() + " socket: " + e.getMessage());
        }
    }
}
