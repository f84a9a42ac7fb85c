/* The host baseline of bench/system's copy bandwidth: two processes play the guests' protocol
   (guests/shared/shm_copy.h) through a /dev/shm object: the sender memcpy()s a 64 KiB chunk into it and
   publishes the round, the receiver memcpy()s it out and answers. Prints mb_s=<payload MB/s>, and first
   raw_mb_s=<MB/s>: one process copying each chunk in and out alone (no second process, no handshake), the
   floor that does not depend on how the host schedules two spinning processes.
   usage: shm-copy ROUNDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u * 1024u)
#define TORN 0xffffffffu

static uint64_t local[CHUNK / 8];

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 256;
    char name[64];
    snprintf(name, sizeof name, "/jqvm-bench-copy-%d", getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, CHUNK + 4096) != 0) {
        perror("shm_open");
        return 1;
    }
    shm_unlink(name);
    uint8_t *region = mmap(NULL, CHUNK + 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (region == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    _Atomic unsigned *sent = (_Atomic unsigned *)(region + CHUNK), *answered = sent + 16;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long n = 1; n <= rounds; n++) {
        local[0] = n;
        memcpy(region, local, CHUNK);
        memcpy(local, region, CHUNK);
        __asm__ volatile("" ::: "memory");
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double raw = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("raw_mb_s=%.1f\n", (double)rounds * CHUNK / raw / 1e6);
    pid_t child = fork();
    if (child == 0) {
        for (unsigned n = 1; n <= (unsigned)rounds; n++) {
            while (atomic_load(sent) != n)
                ;
            memcpy(local, region, CHUNK);
            atomic_store(answered, local[0] == n && local[CHUNK / 8 - 1] == ~(uint64_t)n ? n : TORN);
        }
        _exit(0);
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned n = 1; n <= (unsigned)rounds; n++) {
        local[0] = n;
        local[CHUNK / 8 - 1] = ~(uint64_t)n;
        memcpy(region, local, CHUNK);
        atomic_store(sent, n);
        unsigned a;
        while ((a = atomic_load(answered)) != n) {
            if (a == TORN) {
                fprintf(stderr, "shm-copy: torn chunk in round %u\n", n);
                return 1;
            }
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    waitpid(child, NULL, 0);
    double s = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("mb_s=%.1f\n", (double)rounds * CHUNK / s / 1e6);
    return 0;
}
