/* test_chart.c -- charts (core/layout/render_chart.h): the pixels of box
 * plots, histograms and line charts land where the data say, values that
 * are not finite are skipped and counted, nothing draws outside its area,
 * the same chart gives the same bytes, and the short number format. */
#include "layout/render_chart.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MEDIAN_RGB 0x1a1a1a

/* ---------------------------------------------------------------- helpers */

typedef struct picture {
    unsigned char *rgb;
    int w, h, skipped;
} picture;

static int render(const chart *c, picture *p)
{
    halo_err err;
    halo_err_clear(&err);
    p->skipped = 0;
    p->rgb = chart_render_rgb(c, &p->w, &p->h, &p->skipped, &err);
    if (!p->rgb) printf("    render failed: %s\n", err.msg);
    return p->rgb != NULL;
}

static unsigned pixel(const picture *p, int x, int y)
{
    if (x < 0 || y < 0 || x >= p->w || y >= p->h) return 0xffffffffu;
    const unsigned char *px = p->rgb + ((size_t)y * (size_t)p->w + (size_t)x) * 3;
    return (unsigned)px[0] << 16 | (unsigned)px[1] << 8 | px[2];
}

static int at(double v)
{
    return (int)lrint(v);
}

static void push_all(chart_vec *v, const double *x, int n)
{
    for (int i = 0; i < n; i++) chart_vec_push(v, x[i]);
}

/* Bluish: a histogram bar's fill or outline. */
static int is_bar(unsigned rgb)
{
    int r = (int)(rgb >> 16), b = (int)(rgb & 0xff);
    return rgb != 0xffffffffu && b > r + 30;
}

/* A box plot of one series and one group holding 1..9 (median 5, Q1 3,
 * Q3 7, whiskers 1 and 9), plus extra. */
static chart_panel *one_box(chart *c, double extra)
{
    static const double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    chart_init(c);
    c->width_px = 400, c->height_px = 300;
    chart_panel *p = chart_add_panel(c, CHART_BOX);
    chart_add_group(p, "gain_dB");
    chart_series *s = chart_add_series(p, "diffusion");
    push_all(chart_series_group(s, 0), v, 9);
    chart_vec_push(chart_series_group(s, 0), extra);
    return p;
}

/* ---------------------------------------------------------------- box plots */

TEST(box_median_row)
{
    chart c;
    one_box(&c, INFINITY);
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    CHECK_INT(chart_panel_frame(&c, 0, &f), 0);
    if (!pic.rgb) return;
    int x = at(chart_frame_x(&f, 0.5)), med = at(chart_frame_y(&f, 5));
    CHECK_INT(pic.skipped, 1);
    CHECK_INT(pixel(&pic, x, med), MEDIAN_RGB);
    /* between Q3 and the median: the box's pale fill, neither white nor the median */
    int mid = at(chart_frame_y(&f, 6));
    CHECK(pixel(&pic, x, mid) != MEDIAN_RGB && pixel(&pic, x, mid) != 0xffffff);
    CHECK(pixel(&pic, x, med - 4) != MEDIAN_RGB);
    /* the whisker runs from the box to 9 and stops there */
    CHECK(pixel(&pic, x, at(chart_frame_y(&f, 8))) != 0xffffff);
    CHECK(pixel(&pic, x, at(chart_frame_y(&f, 9)) - 3) == 0xffffff);
    free(pic.rgb);
    chart_free(&c);
}

TEST(box_outliers_shown_or_hidden)
{
    chart c;
    chart_panel *p = one_box(&c, 30);
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    int x = at(chart_frame_x(&f, 0.5)), y = at(chart_frame_y(&f, 30));
    CHECK(f.yhi > 30);
    CHECK(pixel(&pic, x, y) == 0xffffff || pixel(&pic, x, y) == 0xe4e4e4);  /* a ring: hollow */
    CHECK(pixel(&pic, x, y - 2) != 0xffffff);
    free(pic.rgb);
    p->hide_outliers = 1;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    CHECK(f.yhi < 30 && f.yhi > 9);
    free(pic.rgb);
    chart_free(&c);
}

/* rgb blended with opacity alpha over white, as the canvas does. */
static unsigned over_white(unsigned rgb, int alpha)
{
    unsigned out = 0;
    for (int sh = 16; sh >= 0; sh -= 8)
        out |= (unsigned)((255 * (255 - alpha) + (int)((rgb >> sh) & 0xff) * alpha + 127) / 255) << sh;
    return out;
}

TEST(box_series_side_by_side_in_their_colours)
{
    chart c;
    chart_init(&c);
    chart_panel *p = chart_add_panel(&c, CHART_BOX);
    const char *names[] = {"diffusion", "mlp", "random"};
    for (int g = 0; g < 2; g++) chart_add_group(p, g ? "ugf_Hz" : "gain_dB");
    /* per group 20 values 0 0 0 1 1 1 ... 6 6 shifted by 10 i + g: Q1 1, median 3, Q3 4.25 */
    for (int i = 0; i < 3; i++) {
        chart_series *s = chart_add_series(p, names[i]);
        for (int g = 0; g < 2; g++)
            for (int k = 0; k < 20; k++) chart_vec_push(chart_series_group(s, g), i * 10 + k % 7 + g);
    }
    chart_vec_push(&p->refs, -5);
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    CHECK(f.ylo <= -5);         /* the reference line is in range */
    for (int g = 0; g < 2; g++)
        for (int i = 0; i < 3; i++) {
            int x = at(chart_frame_x(&f, g + 0.1 + 0.8 * (i + 0.5) / 3)), base = i * 10 + g;
            CHECK_INT(pixel(&pic, x, at(chart_frame_y(&f, base + 3))), MEDIAN_RGB);
            CHECK_INT(pixel(&pic, x, at(chart_frame_y(&f, base + 2))), over_white(chart_series_rgb(i), 110));
        }
    free(pic.rgb);
    chart_free(&c);
}

/* ---------------------------------------------------------------- histograms */

TEST(hist_tallest_bar_in_its_bin)
{
    static const double v[] = {0, 1.5, 2.5, 4.2, 4.4, 4.6, 4.8, 5.5, 7, 10};
    chart c;
    chart_init(&c);
    chart_panel *p = chart_add_panel(&c, CHART_HIST);
    push_all(&p->values, v, 10);
    p->bins = 5;                /* [0,2) [2,4) [4,6) [6,8) [8,10] */
    chart_vec_push(&p->truth, 3.3);
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    int tallest = -1, best = 1 << 30;
    for (int k = 0; k < 5; k++) {
        int x = at(chart_frame_x(&f, 2 * k + 1.0)), y = f.y0;
        while (y < f.y1 && !is_bar(pixel(&pic, x, y))) y++;
        if (y < best) best = y, tallest = k;
    }
    CHECK_INT(tallest, 2);
    CHECK(abs(best - at(chart_frame_y(&f, 5))) <= 1);      /* 5 values in it */
    /* the truth marker: red at x = 3.3, halfway down */
    unsigned red = pixel(&pic, at(chart_frame_x(&f, 3.3)), (f.y0 + f.y1) / 2);
    CHECK((red >> 16) > 0xc0 && (red & 0xff) < 0x60);
    free(pic.rgb);
    chart_free(&c);
}

TEST(hist_counts_what_is_not_finite)
{
    chart c;
    chart_init(&c);
    chart_panel *p = chart_add_panel(&c, CHART_HIST);
    double v[] = {1, NAN, 2, INFINITY, -INFINITY, 3, 1e301};
    push_all(&p->values, v, 7);
    chart_vec_push(&p->truth, NAN);
    picture pic;
    CHECK(render(&c, &pic));
    CHECK_INT(pic.skipped, 5);
    free(pic.rgb);
    chart_free(&c);
}

/* ---------------------------------------------------------------- lines */

TEST(line_markers_at_their_points_log_x)
{
    chart c;
    chart_init(&c);
    chart_panel *p = chart_add_panel(&c, CHART_LINE);
    p->logx = 1;
    chart_series *s = chart_add_series(p, "finetuned");
    double x[] = {1000, 100, 10000, 0, 300}, y[] = {0.8, 0.5, 0.9, 0.1, 0.6};
    push_all(&s->x, x, 5);
    push_all(&s->y, y, 5);
    chart_add_series(p, "scratch");     /* empty: in the legend only */
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    CHECK_INT(pic.skipped, 1);          /* x = 0 on the log axis */
    CHECK(f.logx && f.xlo < 100 && f.xhi > 10000);
    for (int i = 0; i < 5; i++) {
        if (x[i] <= 0) continue;
        CHECK_INT(pixel(&pic, at(chart_frame_x(&f, x[i])), at(chart_frame_y(&f, y[i]))), chart_series_rgb(0));
    }
    /* a decade is as wide as the next one */
    CHECK(fabs((chart_frame_x(&f, 1000) - chart_frame_x(&f, 100)) - (chart_frame_x(&f, 10000) -
                                                                       chart_frame_x(&f, 1000))) < 1e-6);
    free(pic.rgb);
    chart_free(&c);
}

/* ---------------------------------------------------------------- the whole picture */

TEST(nothing_draws_outside_the_plot_area)
{
    chart c;
    chart_panel *p = one_box(&c, 1e300);
    chart_vec_push(chart_series_group(&p->series[0], 0), -1e300);
    p->has_ylim = 1, p->ylim[0] = 0, p->ylim[1] = 10;
    picture pic;
    chart_frame f;
    CHECK(render(&c, &pic));
    chart_panel_frame(&c, 0, &f);
    CHECK_INT(pic.skipped, 0);
    int x = at(chart_frame_x(&f, 0.5)), stray = 0;
    for (int y = 0; y < f.y0 - 1; y++) stray += pixel(&pic, x, y) != 0xffffff;
    for (int y = f.y1 + 1; y < f.y1 + 4; y++) stray += pixel(&pic, x + 3, y) != 0xffffff;  /* beside the tick */
    CHECK_INT(stray, 0);
    free(pic.rgb);
    chart_free(&c);
}

TEST(many_panels_on_a_small_canvas)
{
    chart c;
    chart_init(&c);
    c.width_px = c.height_px = 160;
    chart_set_text(&c.title, "thirty panels");
    for (int i = 0; i < 30; i++) {
        chart_panel *p = chart_add_panel(&c, (chart_kind)(i % 3));
        chart_set_text(&p->title, "a title far too long for its panel");
        chart_set_text(&p->ylabel, "µs");
        if (i % 3 == 1) chart_vec_push(&p->values, i);
        else {
            chart_series *s = chart_add_series(p, "s");
            chart_vec_push(i % 3 ? &s->x : chart_series_group(s, 0), i);
            if (i % 3) chart_vec_push(&s->y, i);
        }
    }
    picture pic;
    CHECK(render(&c, &pic));
    CHECK(pic.w == 160 && pic.h == 160);
    free(pic.rgb);
    chart_free(&c);
}

TEST(same_chart_same_bytes)
{
    chart c;
    one_box(&c, 30);
    char path[2][64];
    long size[2] = {0, 0};
    unsigned char *bytes[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        halo_err err;
        halo_err_clear(&err);
        snprintf(path[k], sizeof path[k], "/tmp/test_chart_%d_%d.png", (int)getpid(), k);
        CHECK_INT(chart_write_png(&c, path[k], NULL, &err), 0);
        FILE *fp = fopen(path[k], "rb");
        if (!fp) continue;
        fseek(fp, 0, SEEK_END);
        size[k] = ftell(fp);
        rewind(fp);
        bytes[k] = malloc((size_t)size[k]);
        CHECK(fread(bytes[k], 1, (size_t)size[k], fp) == (size_t)size[k]);
        fclose(fp);
        remove(path[k]);
    }
    CHECK(size[0] > 100 && size[0] == size[1] && bytes[0] && bytes[1] && memcmp(bytes[0], bytes[1], (size_t)size[0]) == 0);
    CHECK(bytes[0] && memcmp(bytes[0] + 12, "IHDR", 4) == 0);
    free(bytes[0]), free(bytes[1]);
    chart_free(&c);
}

TEST(errors)
{
    chart c;
    chart_init(&c);
    halo_err err;
    halo_err_clear(&err);
    int w, h;
    CHECK(chart_render_rgb(&c, &w, &h, NULL, &err) == NULL);
    CHECK_INT(err.id, HALO_E_PLT_EMPTY);
    chart_panel *p = chart_add_panel(&c, CHART_HIST);
    chart_vec_push(&p->values, NAN);
    halo_err_clear(&err);
    CHECK(chart_render_rgb(&c, &w, &h, NULL, &err) == NULL);
    CHECK_STR(err.msg, "Nothing to plot: no panel holds a finite value.");
    chart_vec_push(&p->values, 1);
    halo_err_clear(&err);
    CHECK_INT(chart_write_png(&c, "/nonexistent-dir/x.png", NULL, &err), HALO_E_WRITE);
    chart_free(&c);
}

TEST(short_numbers)
{
    static const struct {
        double v;
        const char *s;
    } cases[] = {{5e7, "50M"}, {62.1, "62.1"}, {1500, "1.5k"}, {1.2e-4, "120u"}, {0, "0"}, {-2.2e-9, "-2.2n"},
                 {850, "850"}, {0.25, "0.25"}, {999.96, "1k"}, {1e25, "1e+25"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        chart_format_short(cases[i].v, buf);
        CHECK_STR(buf, cases[i].s);
    }
}

UNIT_MAIN("test_chart")
