/*
 * vsock-line: one line each way over AF_VSOCK, for the Linux guest's integration tests.
 *
 *   vsock-line connect CID PORT TEXT   connect to CID:PORT, send TEXT and a newline, print the line received
 *   vsock-line listen PORT TEXT        accept one connection on PORT, print the line received, send TEXT
 *
 * Prints "vsock-line: received <line>" or "vsock-line: <what failed>: <errno text>" and exits 0 or 1, so the
 * test reads the same result under every VMM. Built static by scripts/debian-arm64-guest.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h> /* before linux/vm_sockets.h, which needs struct sockaddr */
#include <linux/vm_sockets.h>
#include <unistd.h>

static int fail(const char *what) {
    printf("vsock-line: %s: %s\n", what, strerror(errno));
    return 1;
}

/* Reads up to a newline (not kept); the peer may deliver the line in pieces. */
static int read_line(int fd, char *line, size_t size) {
    size_t n = 0;
    while (n + 1 < size) {
        ssize_t r = read(fd, line + n, 1);
        if (r < 0) {
            return -1;
        }
        if (r == 0 || line[n] == '\n') {
            break;
        }
        n++;
    }
    line[n] = '\0';
    return 0;
}

static int send_line(int fd, const char *text) {
    size_t len = strlen(text);
    char buf[512];
    if (len + 1 > sizeof buf) {
        errno = EMSGSIZE;
        return -1;
    }
    memcpy(buf, text, len);
    buf[len] = '\n';
    return write(fd, buf, len + 1) == (ssize_t)(len + 1) ? 0 : -1;
}

int main(int argc, char **argv) {
    char line[512];
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK};
    int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
    if (fd < 0) {
        return fail("socket");
    }
    if (argc == 5 && strcmp(argv[1], "connect") == 0) {
        addr.svm_cid = (unsigned)strtoul(argv[2], NULL, 0);
        addr.svm_port = (unsigned)strtoul(argv[3], NULL, 0);
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            return fail("connect");
        }
        if (send_line(fd, argv[4]) < 0) {
            return fail("write");
        }
        if (read_line(fd, line, sizeof line) < 0) {
            return fail("read");
        }
    } else if (argc == 4 && strcmp(argv[1], "listen") == 0) {
        addr.svm_cid = VMADDR_CID_ANY;
        addr.svm_port = (unsigned)strtoul(argv[2], NULL, 0);
        if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 1) < 0) {
            return fail("listen");
        }
        printf("vsock-line: listening on %u\n", addr.svm_port);
        fflush(stdout);
        int conn = accept(fd, NULL, NULL);
        if (conn < 0) {
            return fail("accept");
        }
        if (read_line(conn, line, sizeof line) < 0) {
            return fail("read");
        }
        if (send_line(conn, argv[3]) < 0) {
            return fail("write");
        }
        close(conn);
    } else {
        fprintf(stderr, "usage: vsock-line connect CID PORT TEXT | vsock-line listen PORT TEXT\n");
        return 2;
    }
    printf("vsock-line: received %s\n", line);
    close(fd);
    return 0;
}
