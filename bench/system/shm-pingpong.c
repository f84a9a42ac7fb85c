/* The host floor for bench/system: two processes play the guests' ping-pong (guests/shared/shm_pingpong.h)
   through one page of a /dev/shm object, each polling the other's word as the guests poll their status.
   Prints rtt_ns=<nanoseconds per round trip>. usage: shm-pingpong ROUNDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    char name[64];
    snprintf(name, sizeof name, "/jqvm-bench-pingpong-%d", getpid());
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
        perror("shm_open");
        return 1;
    }
    shm_unlink(name);
    _Atomic unsigned *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (page == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    _Atomic unsigned *ping = &page[0], *echo = &page[16];
    pid_t child = fork();
    if (child == 0) {
        for (unsigned n = 1; n <= (unsigned)rounds; n++) {
            while (atomic_load(ping) != n)
                ;
            atomic_store(echo, n);
        }
        _exit(0);
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (unsigned n = 1; n <= (unsigned)rounds; n++) {
        atomic_store(ping, n);
        while (atomic_load(echo) != n)
            ;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    waitpid(child, NULL, 0);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("rtt_ns=%.0f\n", ns / rounds);
    return 0;
}
