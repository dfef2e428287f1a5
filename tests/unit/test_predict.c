/* test_predict.c -- the placement-quality networks (core/predict): the
 * architecture text form (round trip, refusals), finite-difference
 * checks of the whole network's gradient with every vertex operation and
 * concatenations, the graph-propagation sampler and update, and a tiny
 * network trained on a generated task that must beat the majority
 * guess on held-out samples. */
#include "predict/predict_net.h"
#include "predict/predict_train.h"
#include "base/rng.h"
#include "nn_gradcheck.h"
#include "unit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

TEST(arch_text_round_trip)
{
    pn_arch a, b;
    halo_err err;
    pn_arch_cnn(&a, 15, 64, 1);
    char *t = pn_arch_format(&a);
    CHECK_STR(t, "pnet1 in=15 size=64 width=1 stem=32,64,64 fc=32 dags=0>1;1=c32|0>1;1=c32|0>1;1=c64|0>1;1=c64|"
                 "0>1;1=c64|0>1;1=c64");
    CHECK_INT(pn_arch_parse(t, &b, &err), 0);
    char *u = pn_arch_format(&b);
    CHECK_STR(u, t);
    free(t);
    free(u);
    const char *nas = "pnet1 in=3 size=16 width=0.25 stem=8,8,8 fc=8 dags=0>1,0>3,1>3;1=mix,3=a32|-;-|0>2;2=c64|"
                      "0>1,1>2,0>2;1=c32,2=mix|-;-|0>7;7=a32";
    CHECK_INT(pn_arch_parse(nas, &b, &err), 0);
    t = pn_arch_format(&b);
    CHECK_STR(t, "pnet1 in=3 size=16 width=0.25 stem=8,8,8 fc=8 dags=0>1,0>3,1>3;1=mix,3=a32|-;-|0>2;2=c64|"
                 "0>1,0>2,1>2;1=c32,2=mix|-;-|0>7;7=a32");
    free(t);
}

TEST(arch_text_refusals)
{
    pn_arch a;
    halo_err err;
    const char *bad[] = {
        "",
        "pnet1 in=0 size=64 width=1 stem=32,64,64 fc=32 dags=-;-|-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=1>0;0=c32|-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=0>1;-|-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=0>1;1=c99|-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=2>3;3=c32|-;-|-;-|-;-|-;-|-;-",
        "pnet1 in=3 size=64 width=1 stem=32,64,64 fc=32 dags=-;-|-;-|-;-|-;-|-;-|-;- extra",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK(pn_arch_parse(bad[i], &a, &err) != 0);
        CHECK_INT(err.id, HALO_E_PRD_ARCH);
    }
}

/* ---------------------------------------------------------------- gradients */

typedef struct gc_ctx {
    pn_model *m;
    float *x, *r, *out;
    int n;
} gc_ctx;

static double gc_loss(void *p)
{
    gc_ctx *c = p;
    pn_model_forward(c->m, c->x, c->n, c->out);
    return nn_dot_loss(c->out, c->r, (size_t)c->n * PN_HEAD);
}

TEST(network_gradient_every_op)
{
    const char *text = "pnet1 in=3 size=16 width=0.125 stem=4,5,6 fc=7 dags=0>1,0>2,1>3,2>3;1=mix,2=c32,3=a32|"
                       "0>1;1=c64|0>1,0>2;1=mix,2=c32|-;-|0>1,1>2;1=a32,2=mix|0>3;3=c32";
    pn_arch a;
    halo_err err;
    CHECK_INT(pn_arch_parse(text, &a, &err), 0);
    pn_model *m = pn_model_new(&a, 7, &err);
    CHECK(m != NULL);
    halo_rng rng;
    rng_seed(&rng, 3);
    gc_ctx c = {m, NULL, NULL, NULL, 2};
    size_t nx = (size_t)c.n * 3 * 16 * 16;
    c.x = malloc(sizeof *c.x * nx);
    c.r = malloc(sizeof *c.r * c.n * PN_HEAD);
    c.out = malloc(sizeof *c.out * c.n * PN_HEAD);
    for (size_t i = 0; i < nx; i++) c.x[i] = (float)rng_uniform(&rng);
    for (int i = 0; i < c.n * PN_HEAD; i++) c.r[i] = (float)(2 * rng_uniform(&rng) - 1);
    nn_params *ps = pn_model_params(m);
    /* He init zeroes the biases: a pixel whose inputs are all zero would
       then sit exactly on its ReLU's kink, where a finite difference
       sees half the gradient; move them off zero */
    for (int i = 0; i < ps->n; i++)
        if (strstr(ps->p[i]->name, ".bias"))
            for (size_t k = 0; k < ps->p[i]->n; k++) ps->p[i]->w[k] = (float)(0.2 * rng_uniform(&rng) - 0.1);
    nn_params_zero_grad(ps);
    gc_loss(&c);
    pn_model_backward(m, c.r);
    double worst = 0;
    for (int i = 0; i < ps->n; i++) {
        nn_param *p = ps->p[i];
        double e = nn_gradcheck(gc_loss, &c, p->w, p->g, p->n, 1e-3f, 12);
        if (e > worst) worst = e;
        if (e > 5e-2) printf("  %s: %.3g\n", p->name, e);
    }
    CHECK(worst < 5e-2);
    CHECK(pn_model_macs(m) > 0);
    /* the count without building is an upper bound (MixConv at 13 x 13) */
    CHECK(pn_arch_params(&a) >= (double)nn_params_count(ps));
    CHECK(pn_arch_params(&a) < 1.7 * (double)nn_params_count(ps));
    pn_arch cnn;
    pn_arch_cnn(&cnn, 15, 64, 1);
    pn_model *cm = pn_model_new(&cnn, 1, &err);
    CHECK_NEAR(pn_arch_params(&cnn), (double)nn_params_count(pn_model_params(cm)), 0);
    pn_model_free(cm);
    pn_model_free(m);
    free(c.x);
    free(c.r);
    free(c.out);
}

/* ---------------------------------------------------------------- sampler */

TEST(graph_propagation_sampler)
{
    pt_guide g;
    pt_guide_init(&g);
    halo_rng rng;
    rng_seed(&rng, 11);
    pn_arch a;
    pn_arch_empty(&a, 3, 16, 0.125);
    halo_err err;
    int total_e = 0;
    for (int it = 0; it < 50; it++) {
        pt_guide_sample(&g, &a, &rng);
        char *t = pn_arch_format(&a);
        pn_arch b;
        CHECK_INT(pn_arch_parse(t, &b, &err), 0);   /* every sample is a valid arch */
        free(t);
        for (int d = 0; d < PN_NDAGS; d++) {
            int v, e;
            pn_dag_count(&a.dag[d], &v, &e);
            total_e += e;
        }
    }
    CHECK(total_e > 0);
    /* an update above the baseline raises exactly the sampled weights */
    pt_guide_sample(&g, &a, &rng);
    pt_guide h = g;
    pt_guide_update(&h, &a, 2.0, 0.9, 0.8);
    for (int d = 0; d < PN_NDAGS; d++)
        for (int k = 1; k <= PN_MAXV; k++)
            for (int j = 0; j < k; j++) {
                if (a.dag[d].edge[j][k]) CHECK_NEAR(h.w_edge[d][j][k], g.w_edge[d][j][k] * exp(0.2), 1e-12);
                else CHECK_NEAR(h.w_edge[d][j][k], g.w_edge[d][j][k], 0);
            }
}

/* ---------------------------------------------------------------- learning */

/* Two blobs, one per channel, at random places; the metric is their
 * distance plus noise: good (the closest 75 %) means near each other. */
static void make_task_data(pt_data *d, int n, halo_rng *rng)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->c = 2;
    d->size = 16;
    d->x = calloc((size_t)n * 2 * 16 * 16, sizeof *d->x);
    d->nmetrics = 1;
    d->metric_name = malloc(sizeof *d->metric_name);
    d->metric = malloc(sizeof *d->metric);
    d->metric_name[0] = "dist";
    d->metric[0] = malloc(sizeof(float) * (size_t)n);
    for (int s = 0; s < n; s++) {
        int px[2], py[2];
        for (int c = 0; c < 2; c++) {
            px[c] = 1 + (int)rng_below(rng, 12);
            py[c] = 1 + (int)rng_below(rng, 12);
            for (int dy = 0; dy < 3; dy++)
                for (int dx = 0; dx < 3; dx++)
                    d->x[(((size_t)s * 2 + c) * 16 + py[c] + dy) * 16 + px[c] + dx] = 1.0f;
        }
        double dist = hypot(px[0] - px[1], py[0] - py[1]);
        d->metric[0][s] = (float)(dist + 0.5 + 0.3 * rng_uniform(rng));
    }
}

static int show_epoch(void *ctx, int e, double loss, double va)
{
    (void)ctx;
    if (getenv("PREDICT_VERBOSE")) printf("  epoch %d loss %.4f val %.3f\n", e, loss, va);
    return 0;
}

TEST(tiny_network_beats_majority)
{
    halo_rng rng;
    rng_seed(&rng, 5);
    pt_data d;
    make_task_data(&d, 600, &rng);
    pt_task t;
    halo_err err;
    CHECK_INT(pt_task_init(&t, &d, "dist", 0.75, 0.15, 0.25, -1, 9, &err), 0);
    CHECK_INT(t.ntest, 150);
    CHECK(t.log_metric);
    pn_arch a;
    pn_arch_cnn(&a, 2, 16, 0.25);
    a.stem[0] = 8;
    a.stem[1] = 16;
    a.stem[2] = 16;
    pn_model *m = pn_model_new(&a, 1, &err);
    CHECK(m != NULL);
    pt_opts o;
    pt_opts_default(&o);
    o.epochs = 30;
    o.batch = 32;
    o.lr = 3e-3f;
    pt_stats st;
    o.progress = show_epoch;
    CHECK_INT(pt_train(m, &t, &o, &st), 0);
    double acc = pt_accuracy(m, &t, t.test, t.ntest, NULL);
    double maj = pt_majority(&t, t.test, t.ntest);
    printf("  tiny CNN: test accuracy %.3f, majority %.3f, %.1f s\n", acc, maj, st.seconds);
    CHECK(acc > maj + 0.05);
    pt_task_free(&t);
    pn_model_free(m);
    free(d.x);
    free(d.metric[0]);
    free(d.metric);
    free(d.metric_name);
}

UNIT_MAIN("test_predict")
