/*
 * agent_set.c -- exploration agents by handle (agent_set.h).
 */
#include "agent_set.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

const char *xagent_set_add(xagent_set *s, xagent_kind kind, void *agent)
{
    su_grow((void **)&s->e, &s->cap, s->n + 1, sizeof *s->e);
    xagent_entry *e = &s->e[s->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "agent%ld", ++s->next_id);
    e->kind = kind;
    if (kind == XAGENT_PPO) e->ppo = agent;
    else if (kind == XAGENT_RF) e->rf = agent;
    else e->sppo = agent;
    return e->name;
}

xagent_entry *xagent_set_find(xagent_set *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->e[i].name, name) == 0) return &s->e[i];
    return NULL;
}

static void entry_free(xagent_entry *e)
{
    xagent_ppo_free(e->ppo);
    xagent_rf_free(e->rf);
    xagent_sppo_free(e->sppo);
}

void xagent_set_remove(xagent_set *s, xagent_entry *e)
{
    int i = (int)(e - s->e);
    entry_free(e);
    memmove(&s->e[i], &s->e[i + 1], (size_t)(s->n - i - 1) * sizeof *s->e);
    s->n--;
}

void xagent_set_clear(xagent_set *s)
{
    for (int i = 0; i < s->n; i++) entry_free(&s->e[i]);
    free(s->e);
    memset(s, 0, sizeof *s);
}
