/**
 * KVM's user-space ABI for x86-64 hosts, as FFM layouts and constants: {@link io.jqvm.kvm.sys.KvmStructs}
 * (the {@code linux/kvm.h} structs jqvm uses), {@link io.jqvm.kvm.sys.KvmRequests} (ioctl numbers built with
 * {@link io.jqvm.kvm.sys.IoctlEncoding}, the {@code _IO*} formula) and {@link io.jqvm.kvm.sys.KvmConstants}.
 *
 * <p>Written by hand from the header's field lists rather than generated: the set is small and jextract does not
 * translate the {@code _IO*} macros. To check after a header change, compile a C file printing
 * {@code sizeof}/{@code offsetof} and the request macros for the same structs and compare with
 * {@code KvmStructsTest} and {@code KvmRequestsTest}, which pin those values.
 */
package io.jqvm.kvm.sys;
