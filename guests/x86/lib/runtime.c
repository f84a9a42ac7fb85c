/* Start-up, console, printf, strings and Multiboot access. */
#include "kit.h"

#define COM1 0x3F8
#define UART_DATA            0
#define UART_INTERRUPT_ENABLE 1
#define UART_DIVISOR_LOW     0
#define UART_DIVISOR_HIGH    1
#define UART_FIFO_CONTROL    2
#define UART_LINE_CONTROL    3
#define UART_MODEM_CONTROL   4
#define UART_LINE_STATUS     5
#define UART_LINE_STATUS_THR_EMPTY 0x20
#define UART_LCR_DLAB        0x80
#define UART_LCR_8N1         0x03

void serial_init(void)
{
    outb(COM1 + UART_INTERRUPT_ENABLE, 0);
    outb(COM1 + UART_LINE_CONTROL, UART_LCR_DLAB);
    outb(COM1 + UART_DIVISOR_LOW, 1);          /* 115200 baud */
    outb(COM1 + UART_DIVISOR_HIGH, 0);
    outb(COM1 + UART_LINE_CONTROL, UART_LCR_8N1);
    outb(COM1 + UART_FIFO_CONTROL, 0x07);      /* enable and clear FIFOs */
    outb(COM1 + UART_MODEM_CONTROL, 0x03);     /* DTR, RTS */
}

static void serial_put(char c)
{
    while (!(inb(COM1 + UART_LINE_STATUS) & UART_LINE_STATUS_THR_EMPTY))
        cpu_pause();
    outb(COM1 + UART_DATA, (uint8_t)c);
}

/* Serialises whole lines between processors (the smp guest prints from APs too). */
static volatile int console_lock;

static void console_acquire(void)
{
    while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
        cpu_pause();
}

static void console_release(void) { __atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE); }

static void put_string(const char *text)
{
    while (*text)
        serial_put(*text++);
}

void print(const char *text)
{
    console_acquire();
    put_string(text);
    console_release();
}

static void put_unsigned(uint64_t value, unsigned base, int width, char pad)
{
    char digits[24];
    int count = 0;
    do {
        unsigned digit = (unsigned)(value % base);
        digits[count++] = (char)(digit < 10 ? '0' + digit : 'a' + digit - 10);
        value /= base;
    } while (value);
    while (width-- > count)
        serial_put(pad);
    while (count)
        serial_put(digits[--count]);
}

void printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    console_acquire();
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            serial_put(*p);
            continue;
        }
        p++;
        char pad = ' ';
        if (*p == '0') {
            pad = '0';
            p++;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int longs = 0;
        while (*p == 'l') {
            longs++;
            p++;
        }
        switch (*p) {
        case 'd': {
            int64_t value = longs ? va_arg(args, int64_t) : va_arg(args, int);
            if (value < 0) {
                serial_put('-');
                put_unsigned((uint64_t)-value, 10, width - 1, pad);
            } else {
                put_unsigned((uint64_t)value, 10, width, pad);
            }
            break;
        }
        case 'u':
            put_unsigned(longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 10, width, pad);
            break;
        case 'x':
            put_unsigned(longs ? va_arg(args, uint64_t) : va_arg(args, unsigned), 16, width, pad);
            break;
        case 'p':
            put_string("0x");
            put_unsigned((uint64_t)va_arg(args, void *), 16, 16, '0');
            break;
        case 's': {
            const char *text = va_arg(args, const char *);
            put_string(text ? text : "(null)");
            break;
        }
        case 'c':
            serial_put((char)va_arg(args, int));
            break;
        case '%':
            serial_put('%');
            break;
        default:               /* unknown conversion: show it rather than guess */
            serial_put('%');
            if (!*p) {
                p--;
                break;
            }
            serial_put(*p);
        }
    }
    console_release();
    va_end(args);
}

void *memcpy(void *destination, const void *source, size_t length)
{
    uint8_t *d = destination;
    const uint8_t *s = source;
    while (length--)
        *d++ = *s++;
    return destination;
}

void *memset(void *destination, int value, size_t length)
{
    uint8_t *d = destination;
    while (length--)
        *d++ = (uint8_t)value;
    return destination;
}

int memcmp(const void *a, const void *b, size_t length)
{
    const uint8_t *x = a, *y = b;
    for (; length; length--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t strlen(const char *text)
{
    size_t length = 0;
    while (text[length])
        length++;
    return length;
}

void cpuid(uint32_t leaf, uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    __asm__ volatile("cpuid" : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx) : "a"(leaf), "c"(0));
}

const struct multiboot_info *multiboot_info(void)
{
    if (multiboot_magic != MULTIBOOT_LOADER_MAGIC)
        return NULL;
    return (const struct multiboot_info *)(uint64_t)multiboot_info_address;
}

const char *multiboot_cmdline(void)
{
    const struct multiboot_info *info = multiboot_info();
    if (!info || !(info->flags & MULTIBOOT_INFO_CMDLINE) || !info->cmdline)
        return "";
    return (const char *)(uint64_t)info->cmdline;
}

uint64_t cmdline_number(uint64_t fallback)
{
    const char *p = multiboot_cmdline();
    while (*p) {
        while (*p == ' ')
            p++;
        const char *word = p;
        uint64_t value = 0;
        while (*p >= '0' && *p <= '9')
            value = value * 10 + (uint64_t)(*p++ - '0');
        if (p > word && (*p == ' ' || *p == '\0'))
            return value;
        while (*p && *p != ' ')
            p++;
    }
    return fallback;
}

uint64_t cmdline_option(const char *key, uint64_t fallback)
{
    size_t key_length = strlen(key);
    for (const char *p = multiboot_cmdline(); *p;) {
        while (*p == ' ')
            p++;
        if (memcmp(p, key, key_length) == 0 && p[key_length] == '=') {
            p += key_length + 1;
            unsigned base = 10;
            if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
            }
            uint64_t value = 0;
            for (;; p++) {
                unsigned digit;
                if (*p >= '0' && *p <= '9')
                    digit = (unsigned)(*p - '0');
                else if (base == 16 && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')
                    digit = (unsigned)((*p | 0x20) - 'a' + 10);
                else
                    break;
                value = value * base + digit;
            }
            return value;
        }
        while (*p && *p != ' ')
            p++;
    }
    return fallback;
}

/* Called from entry.S on the boot processor, in long mode. */
void kit_main(void)
{
    serial_init();
    if (multiboot_magic != MULTIBOOT_LOADER_MAGIC)
        printf("warning: loader magic is %x, not %x; ignoring boot information\n",
               multiboot_magic, MULTIBOOT_LOADER_MAGIC);
    const char *failure = guest_main();
    if (failure)
        printf("FAIL %s: %s\n", guest_name, failure);
    else
        printf("PASS %s\n", guest_name);
    acpi_poweroff();
}
