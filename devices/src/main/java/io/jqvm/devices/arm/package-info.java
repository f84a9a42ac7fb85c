/**
 * The Arm board's devices, each a register-level model with a plain constructor.
 *
 * <ul>
 * <li>{@link io.jqvm.devices.arm.GicV2} / {@link io.jqvm.devices.arm.GicV3}: the interrupt controller; each
 *     CPU's IRQ pin is an {@link io.jqvm.device.IrqLine} given at construction, devices get SPI inputs
 *     through {@code line(intid)}, each vCPU's timers get {@code ppi(cpu, 30)} and {@code ppi(cpu, 27)}.
 *     The GICv2's banked registers need to know which vCPU accesses them (an {@code IntSupplier}); the
 *     GICv3's CPU interface is a {@link io.jqvm.device.SystemRegisterDevice} told the CPU on every access.</li>
 * <li>{@link io.jqvm.devices.arm.Pl011}, {@link io.jqvm.devices.arm.Pl031}, {@link io.jqvm.devices.arm.Sp805}:
 *     PrimeCell peripherals in 4 KiB windows.</li>
 * <li>{@link io.jqvm.devices.arm.Psci}: the firmware interface behind {@code HVC #0}.</li>
 * </ul>
 *
 * <p>Locking: each model guards its state with its own monitor and may call an interrupt line while holding
 * it; the GIC's monitor is always the innermost, and a CPU pin it drives must not call back into any device.
 * {@link io.jqvm.devices.arm.DeviceClock} callbacks run on a clock thread, character input on the backend's
 * thread.
 */
package io.jqvm.devices.arm;
