#include "rt.h"
#include <stdarg.h>

#define UART_BASE 0x09000000UL
#define UART_DR 0x00
#define UART_FR 0x18
#define UART_FR_TXFF (1u << 5)

void putc(char c)
{
    while (mmio_read32(UART_BASE + UART_FR) & UART_FR_TXFF)
        ;
    mmio_write32(UART_BASE + UART_DR, (u8)c);
}

void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

static void put_unsigned(u64 v, unsigned base, int width, char pad)
{
    char digits[24];
    int n = 0;
    do {
        unsigned d = v % base;
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    for (; width > n; width--)
        putc(pad);
    while (n)
        putc(digits[--n]);
}

void printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, left = 0, plus = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '+')
                plus = 1;
            else
                break;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l')
            fmt++;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            while (s[len])
                len++;
            for (; !left && width > len; width--)
                putc(' ');
            puts(s);
            for (; left && width > len; width--)
                putc(' ');
            break;
        }
        case 'c': putc((char)va_arg(ap, int)); break;
        case 'u': put_unsigned(va_arg(ap, u64), 10, width, pad); break;
        case 'x': put_unsigned(va_arg(ap, u64), 16, width, pad); break;
        case 'p': puts("0x"); put_unsigned(va_arg(ap, u64), 16, 16, '0'); break;
        case 'd': {
            s64 v = va_arg(ap, s64);
            if (v < 0) {
                putc('-');
                put_unsigned(-(u64)v, 10, width ? width - 1 : 0, pad);
            } else {
                if (plus)
                    putc('+');
                put_unsigned((u64)v, 10, width, pad);
            }
            break;
        }
        case '%': putc('%'); break;
        default: putc('?'); break;
        }
    }
    va_end(ap);
}

void *memset(void *dst, int c, u64 n)
{
    u8 *d = dst;
    while (n--)
        *d++ = (u8)c;
    return dst;
}

void *memcpy(void *dst, const void *src, u64 n)
{
    u8 *d = dst;
    const u8 *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}
