/**
 * Thin wrappers over the three kinds of KVM file descriptor, one class each: {@link io.jqvm.kvm.ioctl.KvmSystem}
 * ({@code /dev/kvm}), {@link io.jqvm.kvm.ioctl.KvmVmFd} and {@link io.jqvm.kvm.ioctl.KvmVcpuFd}. Each method is
 * one ioctl; failures are {@link io.jqvm.host.HostException}s naming the request and errno.
 */
package io.jqvm.kvm.ioctl;
