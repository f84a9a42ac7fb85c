package io.jqvm.config;

import io.jqvm.config.model.Value;
import io.jqvm.config.model.VdevSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static io.jqvm.config.Configs.args;
import static io.jqvm.config.Configs.fileFailsWith;
import static io.jqvm.config.Configs.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The virtio vdevs' option names (issue 9 §6) and the rules between them, each error at its file:line:column. */
class VirtioOptionsTest {
    @TempDir
    Path cwd;

    private VdevSpec one(String line) {
        return file(cwd, "v.conf", line).vdevs().getFirst();
    }

    @Test
    void passtTakesAnOptionalSocketPath() {
        VdevSpec started = one("vdev virtio-net loc 0x0a000000 intr gic:48 passt mac 02:00:00:00:00:01");
        assertEquals(Optional.of(new Value.Flag()), started.value("passt", Value.class));
        assertTrue(started.has("mac"), "the word after a bare passt is the next option");

        VdevSpec connected = one("vdev virtio-net passt /run/passt.socket loc 0x0a000000");
        assertEquals(Optional.of(new Value.Text("/run/passt.socket")), connected.value("passt", Value.class));

        // At the end of the configuration, and before a top-level option, passt has no argument.
        assertEquals(Optional.of(new Value.Flag()), one("vdev virtio-net passt").value("passt", Value.class));
        VdevSpec beforeTopLevel = file(cwd, "t.conf", "vdev virtio-net passt\nvdev virtio-entropy").vdevs().getFirst();
        assertEquals(Optional.of(new Value.Flag()), beforeTopLevel.value("passt", Value.class));
        // A socket path that is also an option name is written as a path.
        assertEquals(Optional.of(new Value.Text("./mac")), one("vdev virtio-net passt ./mac").value("passt", Value.class));
    }

    @Test
    void netBackends() {
        assertEquals(Optional.of(new Value.Text("tap0")), one("vdev virtio-net tapdev tap0").value("tapdev", Value.Text.class));
        VdevSpec peer = one("vdev virtio-net peer /tmp/vm-link name vm1");
        assertEquals(Optional.of("vm1"), peer.name());
        assertEquals(Optional.of(new Value.Text("/tmp/vm-link")), peer.value("peer", Value.Text.class));
    }

    @Test
    void netNeedsExactlyOneBackend() {
        fileFailsWith(cwd, "c.conf:2:29: vdev virtio-net: \"passt\" cannot be combined with \"tapdev\" (c.conf:2:17); "
                        + "give exactly one of: tapdev ifname, peer path, passt [socket]",
                "ram 64M\nvdev virtio-net tapdev tap0 passt");
        fileFailsWith(cwd, "c.conf:1:1: vdev virtio-net needs one of: tapdev ifname, peer path, passt [socket]",
                "vdev virtio-net mac 02:00:00:00:00:01");
    }

    @Test
    void nameOfANetDeviceIsThisEndOfAPeerLink() {
        fileFailsWith(cwd, "c.conf:1:29: vdev virtio-net: \"name\" needs \"peer\" too",
                "vdev virtio-net tapdev tap0 name vm1");
    }

    @Test
    void tapNamesFitALinuxInterfaceName() {
        fileFailsWith(cwd, "c.conf:1:24: vdev virtio-net tapdev: \"a-very-long-tap-name\" must be 1 to 15 bytes long, it is 20",
                "vdev virtio-net tapdev a-very-long-tap-name");
    }

    @Test
    void vsockNeedsCidAndUds() {
        VdevSpec vsock = one("vdev virtio-vsock loc 0x0a000200 intr gic:49 cid 3 uds /tmp/v.sock");
        assertEquals(Optional.of(new Value.Number(3)), vsock.value("cid", Value.Number.class));
        assertEquals(Optional.of(new Value.Text("/tmp/v.sock")), vsock.value("uds", Value.Text.class));
        fileFailsWith(cwd, "c.conf:2:1: vdev virtio-vsock needs cid n", "\nvdev virtio-vsock uds /tmp/v.sock");
        fileFailsWith(cwd, "c.conf:1:1: vdev virtio-vsock needs uds path", "vdev virtio-vsock cid 3");
        fileFailsWith(cwd, "c.conf:1:23: vdev virtio-vsock cid: \"2\" is out of range 3..4294967294",
                "vdev virtio-vsock cid 2 uds x");
    }

    @Test
    void vhostUserTypesNeedASocketAndFsATag() {
        VdevSpec fs = one("vdev vhost-user-fs loc 0x0a000000 intr gic:48 socket /run/fs.sock tag hostshare");
        assertEquals(Optional.of(new Value.Text("/run/fs.sock")), fs.value("socket", Value.Text.class));
        assertEquals(Optional.of(new Value.Text("hostshare")), fs.value("tag", Value.Text.class));
        fileFailsWith(cwd, "c.conf:1:1: vdev vhost-user-fs needs tag name", "vdev vhost-user-fs socket s");
        fileFailsWith(cwd, "c.conf:1:1: vdev vhost-user-blk needs socket path", "vdev vhost-user-blk");
        fileFailsWith(cwd, "c.conf:1:33: vdev vhost-user-fs tag: \"" + "t".repeat(37)
                + "\" must be 1 to 36 bytes long, it is 37", "vdev vhost-user-fs socket s tag " + "t".repeat(37));
    }

    @Test
    void blkSerialAndHostdev() {
        VdevSpec blk = one("vdev virtio-blk hostdev <disk.img serial 01234567890123456789");
        assertEquals(Optional.of(new Value.Text("01234567890123456789")), blk.value("serial", Value.Text.class));
        fileFailsWith(cwd, "c.conf:1:38: vdev virtio-blk serial: \"012345678901234567890\" must be 1 to 20 bytes long, it is 21",
                "vdev virtio-blk hostdev d.img serial 012345678901234567890");
        fileFailsWith(cwd, "c.conf:1:1: vdev virtio-blk needs hostdev [<]file", "vdev virtio-blk threads 2");
    }

    @Test
    void consoleAndEntropy() {
        VdevSpec console = one("vdev virtio-console loc 0x0a000400 intr gic:50 hostdev >-");
        assertEquals(1, console.all("hostdev", Value.HostDevice.class).size());
        VdevSpec entropy = one("vdev virtio-entropy loc 0x0a000600 intr gic:51 delayed 2 legacy");
        assertEquals(Optional.of(new Value.Delay(2, false)), entropy.value("delayed", Value.Delay.class));
        assertTrue(entropy.has("legacy"));
        assertFalse(args(cwd, "vdev", "virtio-entropy").vdevs().getFirst().has("legacy"));
    }
}
