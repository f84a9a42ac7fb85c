/* A program for a debugger to drive (it/.../gdb/GdbStubTest): functions to break at, a global to watch and
   print, a loop to step through. Built at -O0 so every variable lives in memory where gdb looks for it. */
#include "rt.h"

volatile u64 counter;
u64 squares[8];

__attribute__((noinline)) u64 square(u64 n)
{
    u64 result = n * n;
    return result;
}

__attribute__((noinline)) void record(int i)
{
    squares[i] = square(i);
    counter = counter + 1;
}

void main(u64 x0_at_entry)
{
    (void)x0_at_entry;
    u64 sum = 0;
    for (int i = 0; i < 8; i++) {
        record(i);
        sum += squares[i];
    }
    printf("sum of squares %u, counter %u\n", sum, counter);
}
