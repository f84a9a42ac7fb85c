/**
 * Placing an arm64 guest's kernel, initrd and device tree in RAM per Linux's booting.rst
 * ({@link io.jqvm.boot.arm64.Arm64KernelLoader}); the result is the boot vCPU's
 * {@link io.jqvm.accel.A64Entry}.
 */
package io.jqvm.boot.arm64;
