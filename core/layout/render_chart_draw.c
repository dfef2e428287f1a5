/*
 * render_chart_draw.c -- the clipped primitives charts are drawn with (see
 * render_chart_int.h).
 *
 * Owns: the pen (a canvas and a clip rectangle inside it), boxes and
 * outlines, horizontal and vertical rules (solid or dashed), segments of
 * any slope (clipped in floating point first, Liang-Barsky, so a point a
 * billion pixels away costs nothing, then stepped pixel by pixel), marker
 * shapes, and text, upright or turned a quarter left for y-axis labels.
 * Text is rasterised by the layout pictures' bitmap font into a mask
 * first, which is what lets it be clipped and turned.  Every pixel goes
 * through chart_rect, so nothing lands outside the clip rectangle.
 */
#include "render_chart_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/strutil.h"

#define DASH_ON 6
#define DASH_OFF 4

/* A pixel coordinate of a double, in a range where int conversion is
 * defined; NaN goes far off the canvas. */
static int px(double v)
{
    if (!(v > -1e6)) return -1000000;
    if (v > 1e6) return 1000000;
    return (int)lrint(v);
}

static int imax(int a, int b)
{
    return a > b ? a : b;
}

static int imin(int a, int b)
{
    return a < b ? a : b;
}

chart_pen chart_pen_clip(rs_canvas *cv, int x0, int y0, int x1, int y1)
{
    chart_pen p = {cv, imax(x0, 0), imax(y0, 0), imin(x1, cv->w), imin(y1, cv->h)};
    if (p.cx1 < p.cx0) p.cx1 = p.cx0;
    if (p.cy1 < p.cy0) p.cy1 = p.cy0;
    return p;
}

void chart_rect(const chart_pen *p, int x0, int y0, int x1, int y1, unsigned rgb, int alpha)
{
    x0 = imax(x0, p->cx0), y0 = imax(y0, p->cy0);
    x1 = imin(x1, p->cx1), y1 = imin(y1, p->cy1);
    if (x0 < x1 && y0 < y1) rs_canvas_fill(p->cv, x0, y0, x1, y1, rgb, alpha);
}

void chart_outline(const chart_pen *p, int x0, int y0, int x1, int y1, int t, unsigned rgb)
{
    chart_rect(p, x0, y0, x1, y0 + t, rgb, 255);
    chart_rect(p, x0, y1 - t, x1, y1, rgb, 255);
    chart_rect(p, x0, y0, x0 + t, y1, rgb, 255);
    chart_rect(p, x1 - t, y0, x1, y1, rgb, 255);
}

void chart_hline(const chart_pen *p, int x0, int x1, int y, int t, unsigned rgb, int dashed)
{
    int top = y - t / 2;
    if (x1 < x0) { int s = x0; x0 = x1; x1 = s; }
    if (!dashed) {
        chart_rect(p, x0, top, x1, top + t, rgb, 255);
        return;
    }
    for (int x = x0; x < x1; x += DASH_ON + DASH_OFF)
        chart_rect(p, x, top, imin(x + DASH_ON, x1), top + t, rgb, 255);
}

void chart_vline(const chart_pen *p, int x, int y0, int y1, int t, unsigned rgb, int dashed)
{
    int left = x - t / 2;
    if (y1 < y0) { int s = y0; y0 = y1; y1 = s; }
    if (!dashed) {
        chart_rect(p, left, y0, left + t, y1, rgb, 255);
        return;
    }
    for (int y = y0; y < y1; y += DASH_ON + DASH_OFF)
        chart_rect(p, left, y, left + t, imin(y + DASH_ON, y1), rgb, 255);
}

/* ---------------------------------------------------------------- segments */

/* Liang-Barsky: shrink [t0,t1] so the segment p + t*d stays in [lo,hi]
 * along one axis; 0 when nothing is left. */
static int clip_axis(double p, double d, double lo, double hi, double *t0, double *t1)
{
    if (d == 0) return p >= lo && p <= hi;
    double a = (lo - p) / d, b = (hi - p) / d;
    if (a > b) { double s = a; a = b; b = s; }
    if (a > *t0) *t0 = a;
    if (b < *t1) *t1 = b;
    return *t0 <= *t1;
}

void chart_line(const chart_pen *p, double x0, double y0, double x1, double y1, int t, unsigned rgb)
{
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
    double dx = x1 - x0, dy = y1 - y0, t0 = 0, t1 = 1;
    if (!clip_axis(x0, dx, p->cx0 - t - 1.0, p->cx1 + t + 1.0, &t0, &t1)) return;
    if (!clip_axis(y0, dy, p->cy0 - t - 1.0, p->cy1 + t + 1.0, &t0, &t1)) return;
    int ax = px(x0 + t0 * dx), ay = px(y0 + t0 * dy), bx = px(x0 + t1 * dx), by = px(y0 + t1 * dy);
    int n = imax(abs(bx - ax), abs(by - ay)), h = t / 2;
    for (int i = 0; i <= n; i++) {
        int x = n ? ax + (int)lrint((double)(bx - ax) * i / n) : ax;
        int y = n ? ay + (int)lrint((double)(by - ay) * i / n) : ay;
        chart_rect(p, x - h, y - h, x - h + t, y - h + t, rgb, 255);
    }
}

/* ---------------------------------------------------------------- markers */

static int inside(int shape, int dx, int dy, int r)
{
    if (r < 0) return 0;
    switch (shape % 6) {
    case 0: return abs(dx) <= r && abs(dy) <= r;
    case 1: return dx * dx + dy * dy <= r * r + r;
    case 2: return dy >= -r && dy <= r && 2 * abs(dx) <= dy + r;
    case 3: return abs(dx) + abs(dy) <= r;
    case 4: return dy >= -r && dy <= r && 2 * abs(dx) <= r - dy;
    default: return abs(dx) <= r && abs(abs(dx) - abs(dy)) <= (r >= 4);
    }
}

void chart_marker(const chart_pen *p, int shape, double x, double y, int r, unsigned rgb, int filled)
{
    int cx = px(x), cy = px(y);
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (inside(shape, dx, dy, r) && (filled || !inside(shape, dx, dy, r - 1)))
                chart_rect(p, cx + dx, cy + dy, cx + dx + 1, cy + dy + 1, rgb, 255);
}

/* ---------------------------------------------------------------- text */

/* s rasterised at scale: a w x h mask (1 = ink, malloc'd), baseline at row
 * RS_FONT_ASCENT*scale.  NULL for empty text. */
static unsigned char *text_mask(const char *s, int scale, int *w, int *h)
{
    *w = render_font_width(s, scale);
    *h = RS_FONT_HEIGHT * scale;
    if (*w <= 0) return NULL;
    size_t n = (size_t)*w * (size_t)*h;
    rs_canvas cv = {halo_xmalloc(n * 3), *w, *h};
    memset(cv.rgb, 0xff, n * 3);
    render_font_draw(&cv, s, 0, RS_FONT_ASCENT * scale, scale, 0x000000);
    unsigned char *mask = halo_xmalloc(n);
    for (size_t i = 0; i < n; i++) mask[i] = cv.rgb[i * 3] < 128;
    free(cv.rgb);
    return mask;
}

void chart_text(const chart_pen *p, const char *s, int x, int y, int scale, unsigned rgb, chart_anchor a)
{
    int w, h;
    unsigned char *m = text_mask(s, scale, &w, &h);
    if (!m) return;
    if (a == CHART_AT_CENTER) x -= w / 2;
    else if (a == CHART_AT_RIGHT) x -= w;
    int top = y - RS_FONT_ASCENT * scale;
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            if (m[(size_t)j * (size_t)w + (size_t)i]) chart_rect(p, x + i, top + j, x + i + 1, top + j + 1, rgb, 255);
    free(m);
}

void chart_text_up(const chart_pen *p, const char *s, int cx, int cy, int scale, unsigned rgb)
{
    int w, h;
    unsigned char *m = text_mask(s, scale, &w, &h);
    if (!m) return;
    int left = cx - h / 2, top = cy - w / 2;
    /* mask (i along the text, j down) goes to (j, w-1-i): a quarter turn left */
    for (int j = 0; j < h; j++)
        for (int i = 0; i < w; i++)
            if (m[(size_t)j * (size_t)w + (size_t)i])
                chart_rect(p, left + j, top + w - 1 - i, left + j + 1, top + w - i, rgb, 255);
    free(m);
}

char *chart_fit_text(const char *s, int scale, int maxw)
{
    if (render_font_width(s, scale) <= maxw) return su_strdup(s);
    int keep = (maxw + 1) / (RS_FONT_ADVANCE * scale) - 2;
    if (keep < 1) return su_strdup("");
    const char *e = s;
    for (int k = 0; k < keep && *e; k++) {
        e++;
        while ((*e & 0xc0) == 0x80) e++;    /* the rest of a UTF-8 sequence */
    }
    char *out = halo_xmalloc((size_t)(e - s) + 3);
    memcpy(out, s, (size_t)(e - s));
    strcpy(out + (e - s), "..");
    return out;
}

unsigned chart_darken(unsigned rgb, double f)
{
    unsigned out = 0;
    for (int sh = 16; sh >= 0; sh -= 8) {
        double c = (double)((rgb >> sh) & 0xff) * (1.0 - f);
        out |= (unsigned)lrint(c) << sh;
    }
    return out;
}
