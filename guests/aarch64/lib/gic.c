#include "rt.h"

void gic_init(void)
{
    mmio_write32(GICD_BASE + GICD_CTLR, 0);
    u32 lines = ((mmio_read32(GICD_BASE + GICD_TYPER) & 0x1f) + 1) * 32;
    for (u32 i = 0; i < lines; i += 32) {
        mmio_write32(GICD_BASE + GICD_ICENABLER + i / 8, 0xffffffffu);
        mmio_write32(GICD_BASE + GICD_ICPENDR + i / 8, 0xffffffffu);
        mmio_write32(GICD_BASE + GICD_ICACTIVER + i / 8, 0xffffffffu);
    }
    mmio_write32(GICD_BASE + GICD_CTLR, 1);
    mmio_write32(GICC_BASE + GICC_PMR, 0xff);
    mmio_write32(GICC_BASE + GICC_BPR, 0);
    mmio_write32(GICC_BASE + GICC_CTLR, 1);
}

void gic_enable_irq(u32 intid, u8 priority)
{
    mmio_write8(GICD_BASE + GICD_IPRIORITYR + intid, priority);
    if (intid >= 32) /* SPIs go to CPU 0; SGI and PPI targets are fixed */
        mmio_write8(GICD_BASE + GICD_ITARGETSR + intid, 1);
    mmio_write32(GICD_BASE + GICD_ISENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

void gic_disable_irq(u32 intid)
{
    mmio_write32(GICD_BASE + GICD_ICENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

int gic_is_pending(u32 intid)
{
    return (mmio_read32(GICD_BASE + GICD_ISPENDR + (intid / 32) * 4) >> (intid % 32)) & 1;
}

int gic_is_active(u32 intid)
{
    return (mmio_read32(GICD_BASE + GICD_ISACTIVER + (intid / 32) * 4) >> (intid % 32)) & 1;
}

void gic_send_sgi_self(u32 intid)
{
    DSB(ish);
    mmio_write32(GICD_BASE + GICD_SGIR, (2u << 24) | (intid & 15)); /* TargetListFilter 0b10: self */
}

u32 gic_ack(void)
{
    return mmio_read32(GICC_BASE + GICC_IAR);
}

void gic_eoi(u32 iar)
{
    mmio_write32(GICC_BASE + GICC_EOIR, iar);
}
