/*
 * route_int.h -- what the router's files share: the rules it draws with,
 * the lattice and its per-node state, terminals and pin accesses, nets and
 * their routed trees.  Not a public header.
 *
 * Node state.  Every lattice node of every layer has an owner computed
 * from the off-lattice shapes (devices, accesses): FREE (any net), a net
 * index (that net only: a plate of the net, an access's entry node), or
 * BLOCKED.  Edges (to the +x and +y neighbour on the layer's step) have
 * the same kind of owner.  occ records which net's route holds a node.
 * A net may use a node when owner and occ both allow it, an edge when its
 * owner does and both ends are usable, a via when the nodes on both
 * layers are usable and the cut is not blocked.
 */
#ifndef HALO_ROUTE_INT_H
#define HALO_ROUTE_INT_H

#include "route.h"
#include "base/minheap.h"

#define RT_FREE (-1)
#define RT_BLOCKED (-2)

/* Half extents of a centred box. */
typedef struct rt_half {
    int32_t x, y;
} rt_half;

typedef struct rt_rules {
    int32_t pitch;                    /* lattice step P */
    int step[ROUTE_NLAYERS];          /* lattice steps per layer move: 1, or 2 on met3/met4 */
    int horizontal[ROUTE_NLAYERS];    /* preferred direction */
    int32_t space[ROUTE_NLAYERS];
    int32_t huge_space[ROUTE_NLAYERS];/* spacing to a shape wider than RT_HUGE_NM (m1.3a ... m4.5a) */
    int32_t width[ROUTE_NLAYERS];     /* signal wire */
    int32_t wide[ROUTE_NLAYERS];      /* supply wire */
    int64_t min_area[ROUTE_NLAYERS];  /* nm^2 */
    rt_half lone[ROUTE_NLAYERS];      /* a pad squared up to the minimum area */
    rt_half maxbox[ROUTE_NLAYERS];    /* the largest shape centred on a node */
    int32_t cut[ROUTE_NLAYERS - 1];   /* cut size: mcon via via2 via3 */
    rt_half pad_lo[ROUTE_NLAYERS - 1];/* the cut's pad on the layer below */
    rt_half pad_hi[ROUTE_NLAYERS - 1];/* and above */
    int32_t capm_via_space[ROUTE_NLAYERS - 1];  /* via2/via3 to capm (capm.8, capm.5), 0 = none */
    int32_t capm_met3_space;          /* unrelated met3 to capm (capm.11 as Magic checks it) */
    int32_t capm_own_space;           /* the plate's own routed met3 to capm (capm.3) */
    int32_t capm_under_space;         /* li1, met1, met2 and their cuts to capm (capm.10, capm.8) */
    int layer[ROUTE_NLAYERS];         /* layout layer indices */
    int cut_layer[ROUTE_NLAYERS - 1];
    int capm_layer;                   /* -1 when the tech has none */
    double cost[ROUTE_NLAYERS];       /* per nm along the preferred direction */
    double wrong_way;                 /* factor against it */
    double via_cost;                  /* per via, nm-equivalents */
} rt_rules;

/* An off-lattice shape a terminal adds: a via inside a met1 pin and one
 * thick met2 rectangle from it to its entry node. */
typedef struct rt_access {
    int32_t vx, vy;                   /* the via's centre */
    lay_box met1;                     /* its pad in the pin (along or across the bar) */
    lay_box met2;                     /* its pad and the entry node's largest shape, spanned */
    int entry;                        /* node index of the entry (on met2) */
} rt_access;

/* A terminal: one device pin of a net. */
typedef struct rt_term {
    int item;                         /* placed device */
    char role[4];                     /* its pin: "D" ... */
    int layer;                        /* routing layer of the pin */
    lay_box box;                      /* pin box, design coordinates */
    int plate;                        /* reached by lattice nodes inside the box */
    int has_access;
    rt_access acc;                    /* when !plate */
    int *dead; int ndead;             /* entries found walled in: not again */
    int *nodes; int nnodes;           /* entry nodes (plate: all inside) */
} rt_term;

typedef struct rt_net {
    int index;                        /* netlist net */
    int supply;
    rt_term *terms; int nterms;
    int routed;                       /* tree connects every terminal */
    int *path; int npath, cappath;    /* tree as node pairs: (a, b) per segment */
    int mirror;                       /* symmetric partner net, -1 */
    int mirror_done;                  /* routed as the partner's mirror image */
    int *corridor;                    /* global routing cells the net may use (flags), NULL = all */
    char why[96];
} rt_net;

typedef struct rt_obstacle {
    int layer;                        /* routing layer, or -1 - cut for a cut obstacle */
    lay_box box;
    int owner;                        /* RT_FREE: blocks every net; a net: that net may use it */
    int32_t clear;                    /* spacing to keep */
    int zone;                         /* owner may use the whole clearance zone */
} rt_obstacle;

struct route_db {
    rt_rules R;
    int have;
    /* lattice */
    int32_t x0, y0;                   /* node (0, 0) */
    int nx, ny;
    int origin_i, origin_j;           /* met3/met4 nodes: i % 2 == origin_i ... */
    int *owner;                       /* [layer][node] */
    int *eown_x, *eown_y;             /* [layer][node]: edge to +step neighbour */
    int *occ;                         /* [layer][node]: net routing there, -1 */
    unsigned char *cut_block;         /* [cut][node] */
    /* design */
    int nnets;
    rt_net *nets;
    char **net_names;
    int *ports;  int nports;          /* netlist port nets */
    rt_obstacle *obs; int nobs, capobs;
    int nitems;
    lay_box boundary;                 /* the placement's, when the lattice was laid */
    lay_box *item_box;                /* device boxes at the last run */
    lay_orient *item_orient;
    int32_t axis;                     /* symmetry axis (x), or INT32_MIN */
    /* search scratch */
    double *g;                        /* A* cost per node */
    int *from;                        /* A* parent */
    unsigned *stamp; unsigned cur_stamp;
    halo_minheap queue;       /* A* open list */
    unsigned char *tree;              /* node in the current tree */
    /* global routing */
    int gsize;                        /* lattice nodes per cell side */
    int gnx, gny;
    int *gcap_h, *gcap_v;             /* capacity of the edge to +x / +y cell */
    int *guse_h, *guse_v;
    double *ghist_h, *ghist_v;
    route_stats last;
};

static inline int rt_nodes(const route_db *db)
{
    return db->nx * db->ny;
}

static inline int rt_node(const route_db *db, int layer, int i, int j)
{
    return (layer * db->ny + j) * db->nx + i;
}

static inline void rt_node_ij(const route_db *db, int node, int *layer, int *i, int *j)
{
    int per = db->nx * db->ny;
    *layer = node / per;
    int r = node % per;
    *j = r / db->nx;
    *i = r % db->nx;
}

static inline int32_t rt_x(const route_db *db, int i)
{
    return db->x0 + i * db->R.pitch;
}

static inline int32_t rt_y(const route_db *db, int j)
{
    return db->y0 + j * db->R.pitch;
}

/* Does the node exist on its layer (met3/met4 use every second one)? */
static inline int rt_on_layer(const route_db *db, int layer, int i, int j)
{
    if (db->R.step[layer] == 1) return 1;
    return (i - db->origin_i) % db->R.step[layer] == 0 && (j - db->origin_j) % db->R.step[layer] == 0;
}

/* May net use node n? */
static inline int rt_usable(const route_db *db, int n, int net)
{
    int o = db->owner[n], c = db->occ[n];
    return (o == RT_FREE || o == net) && (c < 0 || c == net);
}

/* Metal wider than this in both directions is "huge" and keeps the
 * larger spacing (sky130.md: m1.3a/b, m2.3a/b, m3.3c/d, m4.5a/b). */
#define RT_HUGE_NM 3000

/* route.c */
int32_t rt_plate_clear(const rt_rules *R, int layer, lay_box plate);
lay_box rt_box_at(int32_t x, int32_t y, rt_half h);
int rt_edge_usable(const route_db *db, int a, int b, int net);
int rt_via_usable(const route_db *db, int lower_node, int net);
void rt_net_clear(route_db *db, rt_net *n);
void rt_net_commit(route_db *db, rt_net *n);

/* route_global.c: corridors for the nets listed (flags per cell). */
int rt_global_route(route_db *db, const int *nets, int count, const route_opts *o);

/* route_detail.c: route one net's tree on the lattice; 1 when every
 * terminal is connected. */
int rt_detail_net(route_db *db, rt_net *n, int use_corridor);
/* Route the nets listed, ripping up others in the way; returns failures. */
int rt_detail_route(route_db *db, int *nets, int count, const route_opts *o, route_stats *st);

#endif
