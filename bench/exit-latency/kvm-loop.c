/* The exit-latency floor: a minimal KVM VMM that runs the pio-loop / mmio-loop work (N port
 * writes, or N MMIO writes to an address no memory slot backs) in a long-mode guest and handles
 * each exit with a no-op. Prints wall, user-CPU and system-CPU nanoseconds per exit.
 *
 * usage: kvm-loop pio|mmio N */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* The same targets as guests/x86/pio-loop.c and mmio-loop.c. */
#define NO_OP_PORT              0x80
#define UNASSIGNED_MMIO_ADDRESS 0xD0000000u

#define GUEST_RAM_SIZE   (2u << 20)
#define PML4_ADDRESS     0x1000
#define PDPT_ADDRESS     0x2000
#define PD_ADDRESS       0x3000      /* four page directories: the first 4 GiB */
#define CODE_ADDRESS     0x10000
#define PAGE_PRESENT_WRITABLE 0x03
#define PAGE_LARGE       0x80

#define CR0_PE (1u << 0)
#define CR0_ET (1u << 4)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)

/* Guest code: RCX iterations, then HLT. PIO writes AL to port DX; MMIO writes EAX to [RDI]. */
__asm__(".pushsection .rodata\n"
        ".code64\n"
        "pio_loop_start:\n"
        "1: outb %al, %dx\n"
        "   dec %rcx\n"
        "   jnz 1b\n"
        "   hlt\n"
        "pio_loop_end:\n"
        "mmio_loop_start:\n"
        "2: movl %eax, (%rdi)\n"
        "   dec %rcx\n"
        "   jnz 2b\n"
        "   hlt\n"
        "mmio_loop_end:\n"
        ".popsection\n");
extern const uint8_t pio_loop_start[], pio_loop_end[], mmio_loop_start[], mmio_loop_end[];

static void die(const char *what)
{
    fprintf(stderr, "kvm-loop: %s: %s\n", what, strerror(errno));
    exit(1);
}

static int checked_ioctl(int fd, unsigned long request, void *argument, const char *what)
{
    int result = ioctl(fd, request, argument);
    if (result < 0)
        die(what);
    return result;
}

static uint64_t nanoseconds(struct timeval t) { return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_usec * 1000u; }

static void build_identity_map(uint8_t *ram)
{
    uint64_t *pml4 = (uint64_t *)(ram + PML4_ADDRESS);
    uint64_t *pdpt = (uint64_t *)(ram + PDPT_ADDRESS);
    uint64_t *pd = (uint64_t *)(ram + PD_ADDRESS);
    pml4[0] = PDPT_ADDRESS | PAGE_PRESENT_WRITABLE;
    for (int i = 0; i < 4; i++)
        pdpt[i] = (PD_ADDRESS + i * 0x1000) | PAGE_PRESENT_WRITABLE;
    for (uint64_t i = 0; i < 4 * 512; i++)
        pd[i] = (i << 21) | PAGE_PRESENT_WRITABLE | PAGE_LARGE;
}

static void enter_long_mode(int vcpu)
{
    struct kvm_sregs sregs;
    checked_ioctl(vcpu, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS");
    struct kvm_segment code = { .base = 0, .limit = 0xFFFFFFFF, .selector = 0x08, .type = 0xB,
                                .present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1 };
    struct kvm_segment data = code;
    data.selector = 0x10;
    data.type = 0x3;
    data.l = 0;
    data.db = 1;
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.cr3 = PML4_ADDRESS;
    sregs.cr4 = CR4_PAE;
    sregs.cr0 = CR0_PE | CR0_ET | CR0_PG;
    sregs.efer = EFER_LME | EFER_LMA;
    checked_ioctl(vcpu, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS");
}

/* Long mode needs the LM bit in the guest's CPUID; give the guest what the host supports. */
static void set_supported_cpuid(int kvm, int vcpu)
{
    int entries = 256;
    struct kvm_cpuid2 *cpuid = calloc(1, sizeof *cpuid + entries * sizeof(struct kvm_cpuid_entry2));
    cpuid->nent = entries;
    checked_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid, "KVM_GET_SUPPORTED_CPUID");
    checked_ioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
    free(cpuid);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "pio") && strcmp(argv[1], "mmio"))) {
        fprintf(stderr, "usage: kvm-loop pio|mmio N\n");
        return 2;
    }
    int mmio = strcmp(argv[1], "mmio") == 0;
    uint64_t iterations = strtoull(argv[2], NULL, 0);
    if (iterations == 0) {
        fprintf(stderr, "kvm-loop: N must be at least 1\n");
        return 2;
    }

    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        die("/dev/kvm");
    int vm = checked_ioctl(kvm, KVM_CREATE_VM, 0, "KVM_CREATE_VM");
    uint8_t *ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ram == MAP_FAILED)
        die("mmap guest RAM");
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = GUEST_RAM_SIZE, .userspace_addr = (uint64_t)ram };
    checked_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

    build_identity_map(ram);
    const uint8_t *code = mmio ? mmio_loop_start : pio_loop_start;
    const uint8_t *code_end = mmio ? mmio_loop_end : pio_loop_end;
    memcpy(ram + CODE_ADDRESS, code, (size_t)(code_end - code));

    int vcpu = checked_ioctl(vm, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU");
    int run_size = checked_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0, "KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        die("mmap kvm_run");
    set_supported_cpuid(kvm, vcpu);
    enter_long_mode(vcpu);
    struct kvm_regs regs = { .rip = CODE_ADDRESS, .rflags = 0x2, .rcx = iterations,
                             .rdx = NO_OP_PORT, .rdi = UNASSIGNED_MMIO_ADDRESS };
    checked_ioctl(vcpu, KVM_SET_REGS, &regs, "KVM_SET_REGS");

    uint64_t exits = 0;
    struct rusage usage_before, usage_after;
    struct timespec wall_before, wall_after;
    getrusage(RUSAGE_SELF, &usage_before);
    clock_gettime(CLOCK_MONOTONIC, &wall_before);
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            die("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_HLT)
            break;
        if (run->exit_reason == KVM_EXIT_IO && !mmio && run->io.port == NO_OP_PORT)
            exits++;
        else if (run->exit_reason == KVM_EXIT_MMIO && mmio && run->mmio.phys_addr == UNASSIGNED_MMIO_ADDRESS)
            exits++;
        else {
            fprintf(stderr, "kvm-loop: unexpected exit reason %u after %llu exits\n",
                    run->exit_reason, (unsigned long long)exits);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &wall_after);
    getrusage(RUSAGE_SELF, &usage_after);
    if (exits != iterations) {
        fprintf(stderr, "kvm-loop: %llu exits for %llu iterations\n",
                (unsigned long long)exits, (unsigned long long)iterations);
        return 1;
    }

    uint64_t wall = (uint64_t)(wall_after.tv_sec - wall_before.tv_sec) * 1000000000u
                    + (uint64_t)(wall_after.tv_nsec - wall_before.tv_nsec);
    uint64_t user = nanoseconds(usage_after.ru_utime) - nanoseconds(usage_before.ru_utime);
    uint64_t system = nanoseconds(usage_after.ru_stime) - nanoseconds(usage_before.ru_stime);
    printf("%s exits=%llu wall_ns_per_exit=%.1f user_ns_per_exit=%.1f sys_ns_per_exit=%.1f\n",
           argv[1], (unsigned long long)exits, (double)wall / exits, (double)user / exits,
           (double)system / exits);
    return 0;
}
