/* The watchdog guest that keeps kicking: eight kicks, half a second apart, then a clean power-off. */
#define KICKS 8
#include "watchdog.c"
