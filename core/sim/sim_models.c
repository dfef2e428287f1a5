/*
 * sim_models.c -- the embedded model library and device uses.
 * See sim_models.h.
 */
#include "sim_models.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

/* Does line (up to its end) read ".lib NAME" / ".endl ..."? */
static int is_card(const char *p, const char *card, const char *name)
{
    while (*p == ' ' || *p == '\t') p++;
    size_t n = strlen(card);
    if (su_ncasecmp(p, card, n) != 0 || !(p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || !p[n]))
        return 0;
    if (!name) return 1;
    p += n;
    while (*p == ' ' || *p == '\t') p++;
    size_t k = strlen(name);
    return su_ncasecmp(p, name, k) == 0 && (isspace((unsigned char)p[k]) || !p[k]);
}

int sim_models_embedded(const char *corner, char **text, halo_err *err)
{
    const char *lib = sky130_models_embedded;
    const char *begin = NULL;
    for (const char *p = lib; *p;) {
        const char *e = strchr(p, '\n');
        if (!begin && is_card(p, ".lib", corner)) {
            begin = e ? e + 1 : p + strlen(p);
        } else if (begin && is_card(p, ".endl", NULL)) {
            *text = su_strndup(begin, (size_t)(p - begin));
            return 0;
        }
        if (!e) break;
        p = e + 1;
    }
    return halo_err_set(err, HALO_E_SIM_MODELS, NULL, 0,
                        "The embedded sky130 models have no corner \"%s\" (they are fitted to tt); "
                        "load a real PDK with pdk load sky130 -root DIR -corner %s",
                        corner, corner);
}

void sim_models_uses(const netlist *nl, modellib_use **uses, size_t *n, size_t *cap)
{
    for (int i = 0; i < nl->ndevs; i++) {
        const netlist_device *d = &nl->devs[i];
        if (!d->model || !*d->model) continue;
        if (*n + 1 > *cap) {
            *cap = *cap ? 2 * *cap : 16;
            *uses = halo_xrealloc(*uses, *cap * sizeof **uses);
        }
        modellib_use *u = &(*uses)[(*n)++];
        u->name = d->model;
        u->w_um = 0;
        u->l_um = 0;
        if (netlist_is_mos(d)) {
            double l = 0;
            u->w_um = d->nf > 0 ? netlist_finger_w(d) : netlist_total_w(d);
            if (netlist_param_get(d, "L", &l) == 0) u->l_um = l;
            if (u->w_um <= 0 || u->l_um <= 0) u->w_um = u->l_um = 0;
        }
    }
}
