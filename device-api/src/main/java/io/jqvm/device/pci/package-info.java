/**
 * Conventional PCI as a guest sees it (PCI Local Bus 3.0, PCI Firmware 3.2): a function's configuration
 * space with BARs, capabilities and the command register ({@link io.jqvm.device.pci.PciConfigSpace}); bus 0
 * behind a host bridge reached through ECAM or configuration mechanism #1, which also routes accesses to the
 * BARs the guest placed ({@link io.jqvm.device.pci.PciBus}); and the MSI-X table
 * ({@link io.jqvm.device.pci.MsixCapability}).
 */
package io.jqvm.device.pci;
