/*
 * fpu_except.c - floating-point exception flags (feclearexcept/fetestexcept) after 1/0,
 * an inexact division, an overflow and 0/0, as Linux's CPU reports them.
 *
 * Known to fail in pynix (tests/programs KNOWN_FAILURES): the emulated CPU (Unicorn's QEMU
 * 5 core) never folds SSE exceptions into MXCSR, so stmxcsr shows no flags.
 */
#include "t.h"
#include <fenv.h>
#include <math.h>

static void exceptions(void)
{
    volatile double zero = 0.0, one = 1.0, big = 1e308, three = 3.0;
    volatile double r;
    feclearexcept(FE_ALL_EXCEPT);
    printf("flags clear: %d\n", fetestexcept(FE_ALL_EXCEPT) != 0);
    r = one / zero;
    printf("1/0: %g divbyzero %d\n", r, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = one / three;
    printf("1/3 inexact %d divbyzero %d\n", fetestexcept(FE_INEXACT) != 0, fetestexcept(FE_DIVBYZERO) != 0);
    feclearexcept(FE_ALL_EXCEPT);
    r = big * big;
    printf("overflow %d inexact %d value %g\n", fetestexcept(FE_OVERFLOW) != 0, fetestexcept(FE_INEXACT) != 0, r);
    feclearexcept(FE_ALL_EXCEPT);
    r = zero / zero;
    printf("0/0 invalid %d isnan %d\n", fetestexcept(FE_INVALID) != 0, isnan(r) != 0);
    feclearexcept(FE_ALL_EXCEPT);
}

int main(void)
{
    t_init();
    exceptions();
    return t_done();
}
