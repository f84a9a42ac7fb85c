package io.jqvm.vmm.assembly;

import io.jqvm.boot.ImageFormatException;
import io.jqvm.boot.ImageLoadException;
import io.jqvm.boot.acpi.AcpiPlatform;
import io.jqvm.boot.acpi.AcpiTables;
import io.jqvm.boot.x86.MemoryMap;
import io.jqvm.boot.x86.X86Loader;
import io.jqvm.common.Arch;
import io.jqvm.common.Hex;
import io.jqvm.config.ConfigException;
import io.jqvm.config.Quote;
import io.jqvm.config.model.BlobType;
import io.jqvm.memory.AddressMap;
import io.jqvm.vmm.board.PcLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Puts the boot images into guest memory and decides the boot vCPU's entry state: firmware tables first
 * (ACPI on x86, the device tree on AArch64), then the image, its initrd and command line, then raw data.
 * Image errors name the {@code load} line.
 */
final class Boot {

    private Boot() {
    }

    static void load(Assembly a, BootImages images) {
        for (BootImages.Blob acpi : images.acpiTables()) {
            throw new ConfigException(acpi.load().origin(), "\"acpi load\" (extra ACPI tables) is not implemented by jqvm yet");
        }
        if (a.arch == Arch.X86_64) {
            x86(a, images);
        } else {
            Arm64Boot.load(a, images);
        }
        for (BootImages.Blob data : images.data()) {
            if (data.load().address().isEmpty()) {
                throw new ConfigException(data.load().origin(), Quote.of(data.load().path().toString())
                        + ": give the guest-physical address to load it at (data load addr,path)");
            }
            long at = data.load().address().getAsLong();
            if (!a.memory.isBacked(at, data.size())) {
                throw new ConfigException(data.load().origin(), Quote.of(data.load().path().toString()) + " ("
                        + data.size() + " bytes) does not fit in guest memory at " + Hex.of(at));
            }
            a.memory.load(at, data.contents());
            a.note("data " + data.load().path() + " at " + Hex.of(at) + " (" + data.size() + " bytes)");
        }
    }

    private static void x86(Assembly a, BootImages images) {
        for (BootImages.Blob fdt : images.fdtOverlays()) {
            throw new ConfigException(fdt.load().origin(), "\"fdt load\" is for AArch64 guests");
        }
        List<MemoryMap.Entry> reserved = new ArrayList<>();
        if (a.x86IrqChip && a.memory.isBacked(PcLayout.BIOS_AREA, PcLayout.BIOS_AREA_END - PcLayout.BIOS_AREA)) {
            // IOAPIC pin 2 for the PIT: the accelerator routes ISA IRQ 0 there, as on every PC.
            AcpiPlatform platform = new AcpiPlatform(cpuIds(a.vcpuCount()), 0, a.x86IoapicBase, 0, PcLayout.PIT_IOAPIC_PIN,
                    a.acpiPm.eventPort(), a.acpiPm.controlPort(), a.acpiPm.timerPort(), PcLayout.ACPI_SCI,
                    PcLayout.KEYBOARD_COMMAND_PORT, PcLayout.KEYBOARD_RESET_VALUE,
                    Optional.ofNullable(a.hpet), Optional.ofNullable(a.pci).map(PciHost::acpi));
            AcpiTables.Layout layout = AcpiTables.write(a.memory, PcLayout.BIOS_AREA, PcLayout.BIOS_AREA_END, platform);
            reserved.add(new MemoryMap.Entry(PcLayout.BIOS_AREA, PcLayout.BIOS_AREA_END - PcLayout.BIOS_AREA, MemoryMap.TYPE_RESERVED));
            a.note("ACPI tables: RSDP at " + Hex.of(layout.rsdp()) + ", " + a.vcpuCount() + " CPU(s), IOAPIC at "
                    + Hex.of(a.x86IoapicBase) + ", PM1a control at io:" + Hex.of(a.acpiPm.controlPort()));
        }
        for (AddressMap.Claim c : a.map.claims()) {
            if (c.space() == io.jqvm.memory.Space.MEM && c.kind() != AddressMap.Kind.RAM && c.kind() != AddressMap.Kind.ROM) {
                reserved.add(new MemoryMap.Entry(c.base(), c.size(), MemoryMap.TYPE_RESERVED));
            }
        }
        if (images.image().isEmpty()) {
            images.initrd().ifPresent(i -> {
                throw new ConfigException(i.load().origin(), "an initrd needs a kernel: add 'load kernel'");
            });
            return;
        }
        BootImages.Blob image = images.image().get();
        X86Loader loader = new X86Loader(a.memory, reserved);
        try {
            a.entry = loader.load(new X86Loader.Request(image.bytes(), image.load().address(),
                    commandLine(a), images.initrd().map(BootImages.Blob::bytes)));
        } catch (ImageFormatException | ImageLoadException e) {
            throw new ConfigException(image.load().origin(), Quote.of(image.load().path().toString()) + ": " + e.getMessage());
        }
        a.note("image " + image.load().path() + ": entry " + a.entry);
    }

    /** The configuration's cmdline with what the devices announce appended (virtio-mmio transports). */
    static String commandLine(Assembly a) {
        List<String> words = new ArrayList<>();
        a.spec.cmdline().filter(c -> !c.isBlank()).ifPresent(words::add);
        words.addAll(a.kernelParameters);
        if (!a.kernelParameters.isEmpty()) {
            a.note("kernel command line: " + String.join(" ", words));
        }
        return String.join(" ", words);
    }

    private static List<Integer> cpuIds(int cpus) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < cpus; i++) {
            ids.add(i);
        }
        return ids;
    }
}
