/* A simulated pass-through device: a host process that owns a shared-memory "register file" (page 0) with a
   read-only identity page after it (page 1), and an interrupt as a trigger eventfd plus a resample eventfd,
   which it hands to the VM over a Unix socket (jqvm's pass intr ...=eventfd:SOCKET).

   usage: pass-device SHM_NAME SOCKET_PATH
   Prints "ready" once the socket listens, then serves one VM: a new value in DOORBELL sets RESULT = 3 * value + 1,
   sets STATUS and raises the interrupt. The line is level-triggered: at each resample (the guest's end of
   interrupt) the device counts a re-arm in REARMS and, if STATUS is still set (not acknowledged), raises the
   interrupt again. Ends when DONE holds 0xd0e, printing what it saw; gives up after 10 minutes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pass_device.h"

#define DEVICE_ID 0x50415353u /* "PASS" */
#define ROM_WORD 0x524f4d21u  /* "ROM!" */
#define PAGE 4096

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static void raise_interrupt(int trigger)
{
    uint64_t one = 1;
    if (write(trigger, &one, sizeof one) != sizeof one)
        die("write trigger");
}

static void send_fds(int connection, int trigger, int resample)
{
    char byte = 'I';
    struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
    union { struct cmsghdr header; char space[CMSG_SPACE(2 * sizeof(int))]; } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.space,
                          .msg_controllen = sizeof control.space };
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int fds[2] = { trigger, resample };
    memcpy(CMSG_DATA(c), fds, sizeof fds);
    if (sendmsg(connection, &msg, 0) != 1)
        die("sendmsg");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s SHM_NAME SOCKET_PATH\n", argv[0]);
        return 2;
    }
    alarm(600);
    int shm = shm_open(argv[1], O_CREAT | O_EXCL | O_RDWR, 0600);
    if (shm < 0 || ftruncate(shm, 2 * PAGE) != 0)
        die("shm_open");
    volatile uint32_t *regs = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    if (regs == MAP_FAILED)
        die("mmap");
    regs[REG_ID / 4] = DEVICE_ID;
    regs[PAGE / 4] = ROM_WORD;

    int trigger = eventfd(0, EFD_CLOEXEC);
    int resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, argv[2], sizeof address.sun_path - 1);
    if (trigger < 0 || resample < 0 || listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0
        || listen(listener, 1) != 0)
        die("socket");
    printf("ready\n");
    fflush(stdout);
    int connection = accept(listener, NULL, NULL);
    if (connection < 0)
        die("accept");
    send_fds(connection, trigger, resample);
    close(connection);
    close(listener);
    unlink(argv[2]);

    uint32_t seen = 0, rounds = 0, rearms = 0, retriggers = 0;
    while (__atomic_load_n(&regs[REG_DONE / 4], __ATOMIC_ACQUIRE) != DONE_MAGIC) {
        struct pollfd p = { .fd = resample, .events = POLLIN };
        if (poll(&p, 1, 1) > 0) {
            uint64_t count;
            if (read(resample, &count, sizeof count) == sizeof count) {
                __atomic_store_n(&regs[REG_REARMS / 4], ++rearms, __ATOMIC_RELEASE);
                if (__atomic_load_n(&regs[REG_STATUS / 4], __ATOMIC_ACQUIRE)) {
                    retriggers++;
                    raise_interrupt(trigger);
                }
            }
        }
        uint32_t doorbell = __atomic_load_n(&regs[REG_DOORBELL / 4], __ATOMIC_ACQUIRE);
        if (doorbell != seen) {
            seen = doorbell;
            rounds++;
            regs[REG_RESULT / 4] = 3 * doorbell + 1;
            __atomic_store_n(&regs[REG_STATUS / 4], 1, __ATOMIC_RELEASE);
            raise_interrupt(trigger);
        }
    }
    printf("device: rounds %u, re-arms %u, re-triggers %u, rom %x\n", rounds, rearms, retriggers, regs[PAGE / 4]);
    shm_unlink(argv[1]);
    return 0;
}
