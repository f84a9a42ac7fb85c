package io.jqvm.it.virtio;

import java.nio.file.Path;
import java.util.List;

/**
 * A virtio-mmio device of the Linux scenarios, described once and translated for both VMMs: as
 * {@code qemu-system-aarch64 -M virt} options and as a jqvm {@code vdev} line. Both place it in the same
 * slot of QEMU virt's virtio-mmio window (see {@link LinuxVm}), so the guest sees the same device names.
 */
sealed interface GuestDevice {
    /** QEMU options for this device on virtio-mmio bus {@code slot} ({@code id} names its backend). */
    List<String> qemu(String bus, String id);

    /** The jqvm {@code vdev} line's arguments, with {@code placement} ({@code loc A intr gic:N}) after the type. */
    String jqvm(String placement);

    /** A raw disk image; {@code readOnly} is QEMU's {@code readonly=on} and jqvm's {@code hostdev <}. */
    record Disk(Path image, boolean readOnly) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-drive", "if=none,id=" + id + ",format=raw,file=" + image + (readOnly ? ",readonly=on" : ""),
                    "-device", "virtio-blk-device,drive=" + id + ",bus=" + bus);
        }

        public String jqvm(String placement) {
            return "virtio-blk " + placement + " hostdev " + (readOnly ? "<" : "") + image;
        }
    }

    /** The host's random source. */
    record Entropy() implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-device", "virtio-rng-device,bus=" + bus);
        }

        public String jqvm(String placement) {
            return "virtio-entropy " + placement;
        }
    }

    /** A host TAP interface (in the network namespace the VMM runs in). */
    record Tap(String ifname) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-netdev", "tap,id=" + id + ",ifname=" + ifname + ",script=no,downscript=no",
                    "-device", "virtio-net-device,netdev=" + id + ",bus=" + bus);
        }

        public String jqvm(String placement) {
            return "virtio-net " + placement + " tapdev " + ifname;
        }
    }

    /**
     * One end of a VM-to-VM Ethernet link with its own {@code mac}: jqvm's {@code peer} (this end listens on
     * {@code name} and connects to {@code peer}); QEMU's {@code -netdev stream} on the Unix socket
     * {@code qemuLink}, which the end with {@code qemuServer} makes (the other must start after it).
     */
    record PeerLink(Path name, Path peer, String mac, Path qemuLink, boolean qemuServer) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-netdev", "stream,id=" + id + ",server=" + (qemuServer ? "on" : "off")
                            + ",addr.type=unix,addr.path=" + qemuLink,
                    "-device", "virtio-net-device,netdev=" + id + ",mac=" + mac + ",bus=" + bus);
        }

        public String jqvm(String placement) {
            return "virtio-net " + placement + " mac " + mac + " peer " + peer + " name " + name;
        }
    }

    /**
     * User-mode networking through passt: the passt listening on {@code socket} (QEMU's {@code -netdev stream},
     * jqvm's {@code passt PATH}), or, when {@code socket} is null, a passt jqvm starts itself (bare {@code passt}).
     */
    record Passt(Path socket) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            if (socket == null) {
                throw new UnsupportedOperationException("QEMU connects to a passt the test starts; give its socket");
            }
            return List.of("-netdev", "stream,id=" + id + ",server=off,addr.type=unix,addr.path=" + socket,
                    "-device", "virtio-net-device,netdev=" + id + ",bus=" + bus);
        }

        public String jqvm(String placement) {
            return "virtio-net " + placement + " passt" + (socket == null ? "" : " " + socket);
        }
    }

    /** A virtio console on a Unix socket the VMM listens on, or on stdio when {@code socket} is null. */
    record Console(Path socket) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            String chardev = socket == null ? "stdio,id=" + id : "socket,id=" + id + ",path=" + socket + ",server=on,wait=off";
            return List.of("-device", "virtio-serial-device,bus=" + bus, "-chardev", chardev,
                    "-device", "virtconsole,chardev=" + id);
        }

        public String jqvm(String placement) {
            return "virtio-console " + placement + (socket == null ? " hostdev >- hostdev <-" : " hostdev " + socket);
        }
    }

    /** Host-side vsock in Firecracker's convention: {@code uds} is the main socket. */
    record Vsock(int cid, Path uds) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            // QEMU's vsock device is vhost-vsock: the host kernel's /dev/vhost-vsock, not a Unix socket.
            throw new UnsupportedOperationException("QEMU has no Unix-socket vsock backend; see VsockTest");
        }

        public String jqvm(String placement) {
            return "virtio-vsock " + placement + " cid " + cid + " uds " + uds;
        }
    }

    /**
     * A host directory shared through virtio-fs by a vhost-user back end (virtiofsd) listening on {@code socket},
     * mounted in the guest by {@code tag}. QEMU needs the guest's RAM in a shared memfd for it (the VM's 256 MiB).
     */
    record VirtioFs(Path socket, String tag) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-object", "memory-backend-memfd,id=ram-" + id + ",size=256M,share=on",
                    "-machine", "memory-backend=ram-" + id, "-chardev", "socket,id=" + id + ",path=" + socket,
                    "-device", "vhost-user-fs-device,chardev=" + id + ",tag=" + tag + ",bus=" + bus);
        }

        public String jqvm(String placement) {
            return "vhost-user-fs " + placement + " socket " + socket + " tag " + tag;
        }
    }

    /** A disk served by a vhost-user-blk back end (qemu-storage-daemon) listening on {@code socket}. */
    record VhostUserDisk(Path socket) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            return List.of("-object", "memory-backend-memfd,id=ram-" + id + ",size=256M,share=on",
                    "-machine", "memory-backend=ram-" + id, "-chardev", "socket,id=" + id + ",path=" + socket,
                    "-device", "vhost-user-blk,chardev=" + id + ",num-queues=1,bus=" + bus);
        }

        public String jqvm(String placement) {
            return "vhost-user-blk " + placement + " socket " + socket;
        }
    }

    /**
     * qvm's shmem vdev (jqvm only: QEMU has no QNX guest_shm device), its host regions named with {@code prefix}
     * ({@code subst}) so that parallel runs never meet.
     */
    record Shmem(String prefix) implements GuestDevice {
        public List<String> qemu(String bus, String id) {
            throw new UnsupportedOperationException("QEMU has no QNX guest_shm device (PCI 1c05:0001)");
        }

        public String jqvm(String placement) {
            return "shmem " + placement + " subst ," + prefix;
        }
    }
}
