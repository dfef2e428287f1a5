/*
 * test_agent.c -- the exploration agents (core/explore_agent.c): PPO
 * learns a contextual bandit with masked actions, REINFORCE learns which
 * candidate to pick, both deterministic for a seed, both save files the
 * safetensors reader takes back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "explore/explore_agent.h"
#include "nn/nn_safetensors.h"
#include "base/rng.h"
#include "unit.h"

/* ---------------------------------------------------------------- PPO bandit */

/* Four contexts (one-hot states), four actions.  In context s, action
 * (s+1)%4 pays 1, the others 0, and action (s+2)%4 is masked -- it would
 * pay 2, so choosing it would show the mask leaking. */
#define NCTX 4

static float bandit_reward(int s, int a)
{
    if (a == (s + 2) % NCTX) return 2.0f;
    return a == (s + 1) % NCTX ? 1.0f : 0.0f;
}

static void bandit_state(int s, float *x, unsigned char *mask)
{
    for (int i = 0; i < NCTX; i++) {
        x[i] = i == s;
        mask[i] = i != (s + 2) % NCTX;
    }
}

/* Train for `iters` updates of 64 one-step episodes; the actions taken go
 * to trace (when not NULL, iters * 64 of them); counts masked picks. */
static xagent_ppo *train_bandit(uint64_t seed, int iters, int *trace, int *masked_picks, xagent_stats *last)
{
    xagent_ppo_opts o;
    xagent_ppo_defaults(&o);
    o.seed = seed;
    o.lr = 3e-3;   /* the default 3e-4 suits long runs; the test wants few updates */
    halo_err err;
    halo_err_clear(&err);
    xagent_ppo *a = xagent_ppo_new(NCTX, NCTX, &o, &err);
    halo_rng env;
    rng_seed(&env, seed + 1000);
    *masked_picks = 0;
    for (int it = 0; it < iters; it++) {
        for (int k = 0; k < 64; k++) {
            float x[NCTX];
            unsigned char mask[NCTX];
            int s = (int)rng_below(&env, NCTX), act = -1;
            bandit_state(s, x, mask);
            xagent_ppo_act(a, x, mask, &act, &err);
            *masked_picks += !mask[act];
            if (trace) trace[it * 64 + k] = act;
            xagent_ppo_reward(a, bandit_reward(s, act), 1);
        }
        xagent_ppo_update(a, last, &err);
    }
    return a;
}

TEST(ppo_learns_contextual_bandit_with_mask)
{
    int masked;
    xagent_stats st;
    xagent_ppo *a = train_bandit(7, 60, NULL, &masked, &st);
    CHECK(a != NULL);
    double worst = 1;
    for (int s = 0; s < NCTX; s++) {
        float x[NCTX], p[NCTX];
        unsigned char mask[NCTX];
        bandit_state(s, x, mask);
        CHECK_INT(xagent_ppo_probs(a, x, mask, p), 0);
        CHECK(p[(s + 2) % NCTX] == 0.0f);
        worst = p[(s + 1) % NCTX] < worst ? p[(s + 1) % NCTX] : worst;
    }
    printf("    ppo bandit: worst p(best) %.3f, last mean return %.3f, entropy %.3f, masked picks %d\n", worst,
           st.mean_return, st.entropy, masked);
    CHECK(worst > 0.9);
    CHECK_INT(masked, 0);
    CHECK_INT(st.steps, 64);
    CHECK(st.mean_return > 0.85);
    xagent_ppo_free(a);
}

TEST(ppo_rejects_bad_input)
{
    halo_err err;
    halo_err_clear(&err);
    CHECK(xagent_ppo_new(0, 3, NULL, &err) == NULL);
    CHECK_INT(err.id, HALO_E_AGT_OPTION);
    xagent_ppo_opts o;
    xagent_ppo_defaults(&o);
    o.gamma = 1.5;
    CHECK(xagent_ppo_new(2, 3, &o, &err) == NULL);
    CHECK(strstr(err.msg, "gamma") != NULL);
    xagent_ppo *a = xagent_ppo_new(2, 3, NULL, &err);
    float x[2] = {0.5f, -1};
    unsigned char none[3] = {0, 0, 0};
    int act = 99;
    halo_err_clear(&err);
    CHECK(xagent_ppo_act(a, x, none, &act, &err) != 0);
    CHECK_INT(err.id, HALO_E_AGT_MASKED);
    CHECK_INT(act, 99);
    CHECK_INT(xagent_ppo_pending(a), 0);
    float p[3];
    CHECK_INT(xagent_ppo_probs(a, x, none, p), -1);
    /* an empty update changes nothing and reports zeros */
    xagent_stats st;
    CHECK_INT(xagent_ppo_update(a, &st, &err), 0);
    CHECK_INT(st.steps, 0);
    xagent_ppo_reward(a, 1.0, 1);   /* nothing recorded: ignored */
    /* an untrained policy is near uniform (small head) */
    CHECK_INT(xagent_ppo_probs(a, x, NULL, p), 0);
    CHECK_NEAR(p[0] + p[1] + p[2], 1.0, 1e-6);
    CHECK(fabs(p[0] - 1.0 / 3) < 0.02);
    xagent_ppo_free(a);
}

TEST(ppo_is_deterministic_for_a_seed)
{
    enum { IT = 5 };
    static int t1[IT * 64], t2[IT * 64], t3[IT * 64];
    int m;
    xagent_stats s1, s2, s3;
    xagent_ppo_free(train_bandit(11, IT, t1, &m, &s1));
    xagent_ppo_free(train_bandit(11, IT, t2, &m, &s2));
    xagent_ppo_free(train_bandit(12, IT, t3, &m, &s3));
    CHECK(memcmp(t1, t2, sizeof t1) == 0);
    CHECK(s1.policy_loss == s2.policy_loss && s1.value_loss == s2.value_loss);
    CHECK(memcmp(t1, t3, sizeof t1) != 0);
}

/* ---------------------------------------------------------------- REINFORCE */

/* Eight candidates of two features in [0,1); the reward of one is
 * -|f0 - 0.3| (f1 is noise). */
#define NCAND 8
#define NFEAT 2

static void make_candidates(halo_rng *r, float *f)
{
    for (int i = 0; i < NCAND * NFEAT; i++) f[i] = (float)rng_uniform(r);
}

static double cand_reward(const float *f, int i) { return -fabs(f[i * NFEAT] - 0.3); }

static int best_candidate(const float *f)
{
    int b = 0;
    for (int i = 1; i < NCAND; i++) b = cand_reward(f, i) > cand_reward(f, b) ? i : b;
    return b;
}

static xagent_rf *train_rf(uint64_t seed, int iters, int *trace)
{
    xagent_rf_opts o;
    xagent_rf_defaults(&o);
    o.seed = seed;
    halo_err err;
    halo_err_clear(&err);
    xagent_rf *a = xagent_rf_new(NFEAT, &o, &err);
    halo_rng env;
    rng_seed(&env, seed + 2000);
    for (int it = 0; it < iters; it++) {
        for (int k = 0; k < 16; k++) {
            float f[NCAND * NFEAT];
            int c = -1;
            make_candidates(&env, f);
            xagent_rf_choose(a, f, NCAND, NULL, &c, &err);
            if (trace) trace[it * 16 + k] = c;
            xagent_rf_reward(a, cand_reward(f, c));
        }
        xagent_rf_update(a, NULL, &err);
    }
    return a;
}

TEST(reinforce_learns_to_pick_the_best_candidate)
{
    xagent_rf *a = train_rf(5, 1500, NULL);
    halo_rng test;
    rng_seed(&test, 99);
    double mass = 0, exp_reward = 0, rand_reward = 0, best_reward = 0;
    enum { SETS = 500 };
    for (int k = 0; k < SETS; k++) {
        float f[NCAND * NFEAT], p[NCAND];
        make_candidates(&test, f);
        CHECK_INT(xagent_rf_probs(a, f, NCAND, NULL, p), 0);
        mass += p[best_candidate(f)] / SETS;
        best_reward += cand_reward(f, best_candidate(f)) / SETS;
        for (int i = 0; i < NCAND; i++) {
            exp_reward += p[i] * cand_reward(f, i) / SETS;
            rand_reward += cand_reward(f, i) / NCAND / SETS;
        }
    }
    printf("    reinforce: p(best) %.3f, expected reward %.4f (best %.4f, random %.4f)\n", mass, exp_reward,
           best_reward, rand_reward);
    CHECK(mass > 0.5);
    /* over 90% of the way from a random chooser to the best one; the mass on
     * the very best stays below 1 because near-ties (two candidates within
     * 0.01 of 0.3) are common among eight */
    CHECK((exp_reward - rand_reward) > 0.9 * (best_reward - rand_reward));
    xagent_rf_free(a);
}

TEST(reinforce_mask_determinism_and_errors)
{
    static int t1[20 * 16], t2[20 * 16];
    xagent_rf_free(train_rf(3, 20, t1));
    xagent_rf_free(train_rf(3, 20, t2));
    CHECK(memcmp(t1, t2, sizeof t1) == 0);
    halo_err err;
    halo_err_clear(&err);
    xagent_rf *a = xagent_rf_new(NFEAT, NULL, &err);
    float f[NCAND * NFEAT], p[NCAND];
    halo_rng r;
    rng_seed(&r, 1);
    make_candidates(&r, f);
    unsigned char mask[NCAND] = {0, 1, 0, 1, 0, 0, 0, 0}, none[NCAND] = {0};
    for (int k = 0; k < 50; k++) {
        int c;
        CHECK_INT(xagent_rf_choose(a, f, NCAND, mask, &c, &err), 0);
        CHECK(c == 1 || c == 3);
        xagent_rf_reward(a, c == 3 ? 1.0 : 0.0);
    }
    xagent_stats st;
    CHECK_INT(xagent_rf_update(a, &st, &err), 0);
    CHECK_INT(st.steps, 50);
    CHECK_INT(xagent_rf_probs(a, f, NCAND, mask, p), 0);
    CHECK(p[0] == 0 && p[2] == 0 && p[7] == 0);
    CHECK_NEAR(p[1] + p[3], 1.0, 1e-6);
    int c;
    CHECK(xagent_rf_choose(a, f, NCAND, none, &c, &err) != 0);
    CHECK_INT(err.id, HALO_E_AGT_MASKED);
    CHECK(xagent_rf_choose(a, f, 0, NULL, &c, &err) != 0);
    CHECK_INT(err.id, HALO_E_AGT_STATE);
    CHECK_INT(xagent_rf_pending(a), 0);
    CHECK(xagent_rf_new(NFEAT, &(xagent_rf_opts){32, -1.0, 1}, &err) == NULL);
    CHECK(strstr(err.msg, "lr") != NULL);
    xagent_rf_free(a);
}

/* ---------------------------------------------------------------- files */

TEST(save_writes_safetensors_the_reader_takes_back)
{
    char path[] = "/tmp/test_agent_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    halo_err err;
    halo_err_clear(&err);
    xagent_ppo_opts o;
    xagent_ppo_defaults(&o);
    o.hidden = 16;
    xagent_ppo *a = xagent_ppo_new(5, 3, &o, &err);
    CHECK_INT(xagent_ppo_save(a, path, &err), 0);
    nn_params ps;
    nn_meta meta = {NULL, NULL, 0};
    nn_params_init(&ps);
    CHECK_INT(nn_safetensors_read(path, &ps, &meta, &err), 0);
    CHECK_STR(nn_meta_get(&meta, "architecture"), "xagent_ppo");
    CHECK_STR(nn_meta_get(&meta, "state_dim"), "5");
    CHECK_STR(nn_meta_get(&meta, "actions"), "3");
    CHECK_STR(nn_meta_get(&meta, "gamma"), "0.95");
    CHECK_INT(ps.n, 12);
    nn_param *head = nn_params_find(&ps, "actor.4.weight");
    CHECK(head && head->shape[0] == 3 && head->shape[1] == 16);
    CHECK(nn_params_find(&ps, "critic.4.bias") != NULL);
    CHECK_INT(nn_params_count(&ps), (5 * 16 + 16 + 16 * 16 + 16) * 2 + 16 * 3 + 3 + 16 + 1);
    nn_params_free(&ps);
    nn_meta_free(&meta);
    xagent_ppo_free(a);

    xagent_rf *r = xagent_rf_new(4, NULL, &err);
    CHECK_INT(xagent_rf_save(r, path, &err), 0);
    nn_params_init(&ps);
    CHECK_INT(nn_safetensors_read(path, &ps, &meta, &err), 0);
    CHECK_STR(nn_meta_get(&meta, "architecture"), "xagent_rf");
    CHECK_STR(nn_meta_get(&meta, "features"), "4");
    CHECK_INT(nn_params_count(&ps), 4 * 32 + 32 + 32 + 1);
    nn_params_free(&ps);
    nn_meta_free(&meta);
    /* an unwritable path is an error, not a crash */
    CHECK(xagent_rf_save(r, "/nonexistent-dir/x.safetensors", &err) != 0);
    xagent_rf_free(r);
    unlink(path);
}

UNIT_MAIN("test_agent.c")
