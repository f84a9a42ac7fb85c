/* PSCI over HVC: version, features, CPU_ON of CPU 1 with a context id, AFFINITY_INFO until it is off
   again, error returns, and a two-CPU ldaxr/stlxr spinlock count. The CPUs take turns on the console
   through flags, so the output order is fixed. */
#include "rt.h"

#define PSCI_MIGRATE_INFO_TYPE 0x84000006UL
#define AFFINITY_ON 0
#define AFFINITY_OFF 1
#define CONTEXT_GREETING 0xc0ffee00UL
#define CONTEXT_COUNTING 0xc0ffee01UL
#define INCREMENTS_PER_CPU 20000

static u64 *identity_root;
static volatile u32 cpu1_may_greet, cpu1_greeted, cpu1_may_stop, cpu1_counting_done;
static u32 lock;
static u64 locked_count, exclusive_count;

static void wait_for(volatile u32 *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        ;
}

static void spin_lock(u32 *l)
{
    u32 busy, failed;
    __asm__ volatile("sevl\n"
                     "1: wfe\n"
                     "2: ldaxr %w[busy], [%[l]]\n\t"
                     "cbnz %w[busy], 1b\n\t"
                     "stxr %w[failed], %w[one], [%[l]]\n\t"
                     "cbnz %w[failed], 2b"
                     : [busy] "=&r"(busy), [failed] "=&r"(failed)
                     : [l] "r"(l), [one] "r"(1)
                     : "memory");
}

static void spin_unlock(u32 *l)
{
    __asm__ volatile("stlr wzr, [%0]" :: "r"(l) : "memory");
}

static void exclusive_increment(u64 *counter)
{
    u64 value;
    u32 failed;
    __asm__ volatile("1: ldxr %[v], [%[c]]\n\t"
                     "add %[v], %[v], #1\n\t"
                     "stlxr %w[failed], %[v], [%[c]]\n\t"
                     "cbnz %w[failed], 1b"
                     : [v] "=&r"(value), [failed] "=&r"(failed)
                     : [c] "r"(counter)
                     : "memory");
}

static void count_together(void)
{
    for (int i = 0; i < INCREMENTS_PER_CPU; i++) {
        spin_lock(&lock);
        locked_count++; /* a plain read-modify-write: only the lock keeps it exact */
        spin_unlock(&lock);
        exclusive_increment(&exclusive_count);
    }
}

void secondary_main(u64 context_id)
{
    mmu_enable(identity_root, NULL, 0);
    if (context_id == CONTEXT_GREETING) {
        wait_for(&cpu1_may_greet); /* CPU 0 prints CPU_ON's result first */
        printf("cpu %u up, context id %lx, current EL %u\n", cpu_index(), context_id,
               (READ_SYSREG(CurrentEL) >> 2) & 3);
        __atomic_store_n(&cpu1_greeted, 1, __ATOMIC_RELEASE);
        wait_for(&cpu1_may_stop);
    } else if (context_id == CONTEXT_COUNTING) {
        count_together();
        __atomic_store_n(&cpu1_counting_done, 1, __ATOMIC_RELEASE);
    }
}

static void wait_until_off(u64 mpidr)
{
    s64 state;
    while ((state = psci_call(PSCI_AFFINITY_INFO, mpidr, 0, 0)) != AFFINITY_OFF)
        if (state != AFFINITY_ON) {
            printf("AFFINITY_INFO unexpected %d\n", state);
            return;
        }
    puts("AFFINITY_INFO(1) = OFF\n");
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    identity_root = pt_identity_root();
    mmu_enable(identity_root, NULL, 0);

    s64 version = psci_call(PSCI_VERSION, 0, 0, 0);
    printf("PSCI version %u.%u\n", (u64)version >> 16, (u64)version & 0xffff);
    printf("FEATURES(CPU_ON) = %d\n", psci_call(PSCI_FEATURES, PSCI_CPU_ON, 0, 0));
    printf("FEATURES(SYSTEM_OFF) = %d\n", psci_call(PSCI_FEATURES, PSCI_SYSTEM_OFF, 0, 0));
    printf("FEATURES(0x8400ff00) = %d\n", psci_call(PSCI_FEATURES, 0x8400ff00UL, 0, 0));
    printf("MIGRATE_INFO_TYPE = %d\n", psci_call(PSCI_MIGRATE_INFO_TYPE, 0, 0, 0));
    printf("unknown function 0x8400ff00 = %d\n", psci_call(0x8400ff00UL, 0, 0, 0));
    printf("AFFINITY_INFO(0) = %d\n", psci_call(PSCI_AFFINITY_INFO, 0, 0, 0));
    printf("AFFINITY_INFO(1) = %d\n", psci_call(PSCI_AFFINITY_INFO, 1, 0, 0));
    printf("CPU_ON(7) = %d\n", psci_call(PSCI_CPU_ON, 7, (u64)secondary_entry, 0));

    printf("CPU_ON(1) = %d\n", psci_call(PSCI_CPU_ON, 1, (u64)secondary_entry, CONTEXT_GREETING));
    __atomic_store_n(&cpu1_may_greet, 1, __ATOMIC_RELEASE);
    wait_for(&cpu1_greeted);
    printf("CPU_ON(1) again = %d\n", psci_call(PSCI_CPU_ON, 1, (u64)secondary_entry, CONTEXT_GREETING));
    printf("AFFINITY_INFO(1) while it waits = %d\n", psci_call(PSCI_AFFINITY_INFO, 1, 0, 0));
    __atomic_store_n(&cpu1_may_stop, 1, __ATOMIC_RELEASE);
    wait_until_off(1);

    printf("CPU_ON(1) to count = %d\n", psci_call(PSCI_CPU_ON, 1, (u64)secondary_entry, CONTEXT_COUNTING));
    count_together();
    wait_for(&cpu1_counting_done);
    wait_until_off(1);
    printf("count under spinlock %u (expected %u)\n", locked_count, (u64)2 * INCREMENTS_PER_CPU);
    printf("count by exclusive add %u (expected %u)\n", exclusive_count, (u64)2 * INCREMENTS_PER_CPU);
}
