/*
 * agent_set.h -- exploration agents by handle.
 *
 * Owns: xagent_set, the agents a session made ("agent1", "agent2", ...),
 * each a PPO or a REINFORCE agent of explore_agent.h or a set-PPO agent
 * of explore_sppo.h.  A handle is never
 * reused, so a stale one cannot reach a newer agent.
 */
#ifndef HALO_AGENT_SET_H
#define HALO_AGENT_SET_H

#include "explore_agent.h"
#include "explore_sppo.h"

typedef enum { XAGENT_PPO, XAGENT_RF, XAGENT_SPPO } xagent_kind;

typedef struct xagent_entry {
    char name[32];
    xagent_kind kind;
    xagent_ppo *ppo;          /* XAGENT_PPO */
    xagent_rf *rf;            /* XAGENT_RF */
    xagent_sppo *sppo;        /* XAGENT_SPPO */
} xagent_entry;

typedef struct xagent_set {
    xagent_entry *e;
    int n, cap;
    long next_id;             /* the number of the next handle */
} xagent_set;

/* Add an agent of that kind (taken); its handle. */
const char *xagent_set_add(xagent_set *s, xagent_kind kind, void *agent);
/* The agent of handle name, or NULL. */
xagent_entry *xagent_set_find(xagent_set *s, const char *name);
/* Free one agent and drop it from the set. */
void xagent_set_remove(xagent_set *s, xagent_entry *e);
/* Free every agent. */
void xagent_set_clear(xagent_set *s);

#endif
