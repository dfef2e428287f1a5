/*
 * fuzz_tech.h -- the embedded sky130, loaded once, for the fuzz harnesses
 * that need a technology (a harness is one program: no shared library).
 */
#ifndef HALO_FUZZ_TECH_H
#define HALO_FUZZ_TECH_H

#include <stdlib.h>

#include "tech/tech.h"

static inline const halo_tech *fuzz_sky130(void)
{
    static halo_tech *tech;
    if (!tech) {
        halo_err err;
        tech = tech_load("sky130", &err);
        if (!tech) abort();
    }
    return tech;
}

#endif
