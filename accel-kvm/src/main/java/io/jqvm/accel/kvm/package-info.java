/**
 * The {@code kvm} accelerator for x86-64 guests.
 *
 * <p>Threads: each vCPU is run by one platform thread at a time; that thread issues all the vCPU's ioctls
 * (KVM holds the vCPU mutex during KVM_RUN). Other threads only call {@code requestStop}, which sets a flag
 * and sends {@link io.jqvm.accel.kvm.KickSignal} with tgkill. The signal is blocked in the vCPU thread and
 * unblocked by KVM only inside KVM_RUN (KVM_SET_SIGNAL_MASK), so a kick can never be lost between two
 * KVM_RUNs and no signal handler runs in Java code. KVM_RUN is an ordinary (non-critical) downcall, so the
 * JVM can reach safepoints while a vCPU runs.
 *
 * <p>Guest accesses: port I/O and MMIO exits go to {@link io.jqvm.accel.GuestIo} inside the run loop; a
 * {@link io.jqvm.accel.GuestFault} becomes #GP(0) in the guest after the access completes.
 */
package io.jqvm.accel.kvm;
