/*
 * predict_features.c -- the placement rasteriser (predict_features.h has
 * the channel table).  Boxes are drawn with exact fractional pixel
 * coverage, so a one-grid shift of a device changes the picture.
 */
#include "predict_features.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const channel_names[PF_CHANNELS] = {
    "nmos", "pmos", "passive", "gate", "drain", "source", "p_supply", "p_signal",
    "p_inner", "rudy", "rudy_sig", "matched", "mismatch", "halo", "scale", "fingers", "finger_w"};

enum { CH_NMOS, CH_PMOS, CH_PASSIVE, CH_GATE, CH_DRAIN, CH_SOURCE, CH_P_SUPPLY, CH_P_SIGNAL,
       CH_P_INNER, CH_RUDY, CH_RUDY_SIG, CH_MATCHED, CH_MISMATCH, CH_HALO, CH_SCALE, CH_FINGERS,
       CH_FINGER_W };

static const char *const move_channel_names[PF_CHANNELS] = {
    "d_nmos", "d_pmos", "d_passive", "d_gate", "d_drain", "d_source", "d_p_supply", "d_p_signal",
    "d_p_inner", "d_rudy", "d_rudy_sig", "d_matched", "d_mismatch", "d_halo", "d_scale", "d_fingers",
    "d_finger_w"};

const char *pf_channel_name(int c)
{
    if (c >= 0 && c < PF_CHANNELS) return channel_names[c];
    if (c >= PF_CHANNELS && c < PF_MOVE_CHANNELS) return move_channel_names[c - PF_CHANNELS];
    return NULL;
}

pf_kind pf_picture_kind(int channels)
{
    if (channels == PF_CHANNELS) return PF_KIND_PLACEMENT;
    if (channels == PF_MOVE_CHANNELS) return PF_KIND_MOVE;
    if (channels == PF_CHANNELS_V1) return PF_KIND_V1;
    if (channels == 2 * PF_CHANNELS_V1) return PF_KIND_MOVE_V1;
    return PF_KIND_NONE;
}

void pf_move_picture(float *after, const float *before, int size)
{
    size_t n = (size_t)PF_CHANNELS * size * size;
    float *delta = after + n;
    for (size_t k = 0; k < n; k++) delta[k] = after[k] - before[k];
}

/* The picture's frame: nm per pixel over a square from (0, 0). */
typedef struct frame {
    int size;
    double nm_per_px;
    float *out;
} frame;

static float *plane(const frame *f, int c)
{
    return f->out + (size_t)c * f->size * f->size;
}

/* Add value * (covered fraction of each pixel) of the box [x0,x1)x[y0,y1)
 * (nm) into the size x size plane p. */
static void draw_box_into(const frame *f, float *p, double x0, double y0, double x1, double y1, float value)
{
    double s = f->nm_per_px;
    double px0 = x0 / s, px1 = x1 / s, py0 = y0 / s, py1 = y1 / s;
    if (px1 <= px0 || py1 <= py0) return;
    int i0 = (int)floor(px0), i1 = (int)ceil(px1), j0 = (int)floor(py0), j1 = (int)ceil(py1);
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    if (i1 > f->size) i1 = f->size;
    if (j1 > f->size) j1 = f->size;
    for (int j = j0; j < j1; j++) {
        double fy = fmin(py1, j + 1) - fmax(py0, j);
        if (fy <= 0) continue;
        for (int i = i0; i < i1; i++) {
            double fx = fmin(px1, i + 1) - fmax(px0, i);
            if (fx > 0) p[(size_t)j * f->size + i] += (float)(value * fx * fy);
        }
    }
}

static void draw_box(const frame *f, int c, double x0, double y0, double x1, double y1, float value)
{
    draw_box_into(f, plane(f, c), x0, y0, x1, y1, value);
}

static void draw_point(const frame *f, int c, double x, double y, float value)
{
    int i = (int)floor(x / f->nm_per_px), j = (int)floor(y / f->nm_per_px);
    if (i < 0) i = 0;
    if (j < 0) j = 0;
    if (i >= f->size) i = f->size - 1;
    if (j >= f->size) j = f->size - 1;
    plane(f, c)[(size_t)j * f->size + i] += value;
}

static int device_channel(netlist_devtype t)
{
    switch (t) {
    case NL_NMOS: case NL_NPN: return CH_NMOS;
    case NL_PMOS: case NL_PNP: return CH_PMOS;
    default: return CH_PASSIVE;
    }
}

static int is_signal_net(const netlist *nl, int net)
{
    netlist_netrole r = nl->nets[net].role;
    return r == NL_INPUT_V || r == NL_INPUT_I || r == NL_OUTPUT_V || r == NL_OUTPUT_I || r == NL_RF_INPUT;
}

static int net_class_channel(const netlist *nl, int net)
{
    netlist_netrole r = nl->nets[net].role;
    if (r == NL_SUPPLY_POS || r == NL_SUPPLY_NEG) return CH_P_SUPPLY;
    return is_signal_net(nl, net) ? CH_P_SIGNAL : CH_P_INNER;
}

/* Terminal channels of a placement pin: every role of the device's
 * netlist pins on the same net (a diode-connected gate is also a drain). */
static void draw_pin_roles(const frame *f, const netlist_device *dev, int net, double x, double y)
{
    for (int k = 0; k < dev->npins; k++) {
        if (dev->pins[k].net != net) continue;
        char r = dev->pins[k].role[0];
        if (r == 'G') draw_point(f, CH_GATE, x, y, 1.0f);
        else if (r == 'D') draw_point(f, CH_DRAIN, x, y, 1.0f);
        else if (r == 'S' || r == 'B') draw_point(f, CH_SOURCE, x, y, 1.0f);
    }
}

/* The finger arrangement where the device lies: its finger count and
 * width per finger.  The picture of the boxes alone barely tells 4
 * fingers from 6 at 1 um per pixel. */
static void draw_fingers(const frame *f, const netlist_device *dev, lay_box b)
{
    if (dev->type != NL_NMOS && dev->type != NL_PMOS) return;
    if (dev->nf > 0) draw_box(f, CH_FINGERS, b.x0, b.y0, b.x1, b.y1, (float)(dev->nf / 10.0));
    double wf = netlist_finger_w(dev);
    if (wf > 0) draw_box(f, CH_FINGER_W, b.x0, b.y0, b.x1, b.y1, (float)wf);
}

/* Pins of every item (placement coordinates, nm), with their nets; also
 * draws the terminal and net-class channels. */
static void draw_devices(const frame *f, const place_ir *ir, const netlist *nl)
{
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        lay_box b = place_device_box(it);
        const netlist_device *dev = it->dev >= 0 && it->dev < nl->ndevs ? &nl->devs[it->dev] : NULL;
        draw_box(f, dev ? device_channel(dev->type) : CH_PASSIVE, b.x0, b.y0, b.x1, b.y1, 1.0f);
        if (dev) draw_fingers(f, dev, b);
        draw_box(f, CH_HALO, it->halo.x0, it->halo.y0, it->halo.x1, it->halo.y1, 1.0f);
        if (it->partner >= 0) draw_box(f, CH_MATCHED, b.x0, b.y0, b.x1, b.y1, 1.0f);
        for (int k = 0; k < it->npins; k++) {
            int64_t x2, y2;
            place_pin_pos2(it, &it->pins[k], it->orient, it->x, it->y, &x2, &y2);
            int net = it->pins[k].net;
            if (net < 0 || net >= nl->nnets) continue;
            draw_point(f, net_class_channel(nl, net), x2 / 2.0, y2 / 2.0, 1.0f);
            if (dev) draw_pin_roles(f, dev, net, x2 / 2.0, y2 / 2.0);
        }
    }
}

/* RUDY of every net with two or more pins: (w + h) / (w h) over its pin
 * box, w and h in um and at least one pixel (a zero-width box is a
 * straight wire one pixel wide). */
static void draw_rudy(const frame *f, const place_ir *ir, const netlist *nl)
{
    int nn = ir->nnets;
    double *bb = malloc(sizeof *bb * 4 * (size_t)(nn > 0 ? nn : 1));
    int *count = calloc((size_t)(nn > 0 ? nn : 1), sizeof *count);
    if (!bb || !count) {
        free(bb);
        free(count);
        return;
    }
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        for (int k = 0; k < it->npins; k++) {
            int net = it->pins[k].net;
            if (net < 0 || net >= nn) continue;
            int64_t x2, y2;
            place_pin_pos2(it, &it->pins[k], it->orient, it->x, it->y, &x2, &y2);
            double x = x2 / 2.0, y = y2 / 2.0, *b = bb + 4 * net;
            if (count[net]++ == 0) {
                b[0] = b[2] = x;
                b[1] = b[3] = y;
            } else {
                b[0] = fmin(b[0], x); b[1] = fmin(b[1], y);
                b[2] = fmax(b[2], x); b[3] = fmax(b[3], y);
            }
        }
    }
    for (int net = 0; net < nn && net < nl->nnets; net++) {
        if (count[net] < 2) continue;
        double *b = bb + 4 * net, px = f->nm_per_px;
        double w = fmax(b[2] - b[0], px), h = fmax(b[3] - b[1], px);
        double cx = (b[0] + b[2]) / 2, cy = (b[1] + b[3]) / 2;
        float density = (float)((w + h) / (w * h) * 1000.0);   /* per um */
        draw_box(f, CH_RUDY, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, density);
        if (is_signal_net(nl, net)) draw_box(f, CH_RUDY_SIG, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, density);
    }
    free(bb);
    free(count);
}

/* |matched - mirrored| : the coverage of the matched devices against the
 * coverage of their mirror images about their class's axis, both drawn
 * exactly (fractional pixels), so a placement whose pairs are exact
 * mirror images draws 0 everywhere. */
static void draw_mismatch(const frame *f, const place_ir *ir)
{
    size_t np = (size_t)f->size * f->size;
    float *mirror = calloc(np, sizeof *mirror);
    if (!mirror) return;
    for (int i = 0; i < ir->n; i++) {
        const place_item *it = &ir->items[i];
        int c = it->symclass;
        if (c < 0 || c >= ir->nclasses) continue;
        lay_box b = place_device_box(it);
        double a2 = ir->axis4[c] / 2.0;          /* twice the axis, nm */
        draw_box_into(f, mirror, a2 - b.x1, b.y0, a2 - b.x0, b.y1, 1.0f);
    }
    const float *matched = plane(f, CH_MATCHED);
    float *mm = plane(f, CH_MISMATCH);
    for (size_t k = 0; k < np; k++) mm[k] = fabsf(matched[k] - mirror[k]);
    free(mirror);
}

int pf_raster(const place_ir *ir, const netlist *nl, int size, float *out, double *extent_um, halo_err *err)
{
    if (!ir || !ir->placed || ir->n == 0)
        return halo_err_set(err, HALO_E_PRD_STATE, NULL, 0, "No placement: run place first.");
    if (size < 4 || size > PF_MAX_SIZE)
        return halo_err_set(err, HALO_E_PRD_VALUE, NULL, 0, "-size", "(out of range)", "4 to 512 pixels");
    int32_t side = ir->boundary.x1 > ir->boundary.y1 ? ir->boundary.x1 : ir->boundary.y1;
    if (side <= 0) return halo_err_set(err, HALO_E_PRD_STATE, NULL, 0, "The placement boundary is empty.");
    frame f = {size, (double)side / size, out};
    memset(out, 0, sizeof *out * (size_t)PF_CHANNELS * size * size);
    draw_devices(&f, ir, nl);
    draw_rudy(&f, ir, nl);
    draw_mismatch(&f, ir);
    float scale = (float)(side / 1000.0 / 100.0);
    float *sc = plane(&f, CH_SCALE);
    for (size_t k = 0; k < (size_t)size * size; k++) sc[k] = scale;
    if (extent_um) *extent_um = side / 1000.0;
    return 0;
}
