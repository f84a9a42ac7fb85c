/* Application processor start-up: INIT, SIPI, SIPI through the LAPIC ICR; each AP runs the
 * trampoline (real -> protected -> long mode) at 0x8000 and reports in. */
#include "kit.h"

const char guest_name[] = "smp";

#define TRAMPOLINE_ADDRESS   0x8000
#define SIPI_VECTOR          (TRAMPOLINE_ADDRESS >> 12)
#define ICR_INIT_ASSERT      0x00004500u   /* INIT, level assert */
#define ICR_STARTUP          0x00004600u   /* start-up; low byte is the vector */
#define AP_STACK_SIZE        8192
#define AP_WAIT_MS           1000

extern const uint8_t ap_trampoline[];
extern const uint8_t ap_trampoline_image[];
extern const uint8_t ap_trampoline_size[];     /* a linker symbol: its address is the size */

uint64_t ap_stack_top;
static uint8_t ap_stacks[MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));
static unsigned starting_cpu_index;
static volatile bool ap_reported;

void ap_main(void)
{
    printf("CPU %u up (APIC id %u)\n", starting_cpu_index, lapic_id());
    __atomic_store_n(&ap_reported, true, __ATOMIC_RELEASE);
}

static bool ap_has_reported(void) { return __atomic_load_n(&ap_reported, __ATOMIC_ACQUIRE); }

static bool start_cpu(unsigned index, uint8_t apic_id)
{
    starting_cpu_index = index;
    ap_stack_top = (uint64_t)(ap_stacks[index] + AP_STACK_SIZE);
    __atomic_store_n(&ap_reported, false, __ATOMIC_RELEASE);

    lapic_send_ipi(apic_id, ICR_INIT_ASSERT);
    pit_delay_us(10000);
    for (int sipi = 0; sipi < 2 && !ap_has_reported(); sipi++) {
        lapic_send_ipi(apic_id, ICR_STARTUP | SIPI_VECTOR);
        pit_delay_us(200);
    }
    for (int waited_ms = 0; waited_ms < AP_WAIT_MS && !ap_has_reported(); waited_ms++)
        pit_delay_us(1000);
    return ap_has_reported();
}

const char *guest_main(void)
{
    struct madt_facts madt;
    acpi_read_madt(&madt);
    if (!madt.present)
        return "no MADT";
    printf("MADT: %u enabled CPUs, local APIC at %lx\n", madt.cpu_count, madt.local_apic_address);
    if (madt.cpu_count < 2)
        return "the MADT lists a single CPU; run with two or more";
    if (madt.cpu_count > MAX_CPUS)
        printf("starting only the first %u CPUs\n", MAX_CPUS);
    if ((uint64_t)ap_trampoline != TRAMPOLINE_ADDRESS)
        return "the trampoline is not linked at the SIPI address";

    memcpy((void *)TRAMPOLINE_ADDRESS, ap_trampoline_image, (size_t)ap_trampoline_size);
    lapic_set_base(madt.local_apic_address);
    lapic_enable();
    uint8_t bsp_apic_id = lapic_id();
    printf("CPU 0 is the BSP (APIC id %u)\n", bsp_apic_id);

    unsigned cpus = madt.cpu_count < MAX_CPUS ? madt.cpu_count : MAX_CPUS;
    unsigned running = 1, index = 1;
    for (unsigned i = 0; i < cpus; i++) {
        uint8_t apic_id = madt.cpu_apic_ids[i];
        if (apic_id == bsp_apic_id)
            continue;
        if (start_cpu(index, apic_id))
            running++;
        else
            printf("CPU %u (APIC id %u) did not report within %u ms\n", index, apic_id, AP_WAIT_MS);
        index++;
    }
    printf("%u of %u CPUs running\n", running, cpus);
    return running == cpus ? NULL : "an application processor did not start";
}
