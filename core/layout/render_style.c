/*
 * render_style.c -- how each sky130 layer looks in a picture (see
 * render_scene.h): colour, fill opacity, paint kind and draw order.
 *
 * Colours follow the conventions of KLayout's sky130 .lyp and Magic as a
 * layout engineer reads them: pale grey wells, green diffusion (tap
 * darker), red poly, black contacts, blue-violet li1, blue met1, magenta
 * met2, teal met3, gold met4, orange met5.  Fills are semi-transparent so a
 * stack stays readable; the ranks are process order, so a transistor shows
 * diff under the poly fingers under the contacts under the straps.
 * Implants and markers are dashed outlines only: drawn filled they would
 * hide the device they surround.
 */
#include "render_scene.h"

#include <string.h>

typedef struct style_entry {
    const char *name;
    rs_style style;
} style_entry;

#define FILL(rank, fill, stroke, alpha) {rank, fill, stroke, alpha, RS_PAINT_FILL}
#define CUT(rank, fill, stroke) {rank, fill, stroke, 215, RS_PAINT_CUT}
#define LINE(rank, stroke) {rank, stroke, stroke, 0, RS_PAINT_OUTLINE}

static const style_entry styles[] = {
    /* markers and boundary under everything: outlines only */
    {"prBoundary",    LINE(1, 0x8a8aa0)},
    {"areaid_sc",     LINE(2, 0xa0a0b4)},
    {"areaid_analog", LINE(3, 0xa0a0b4)},
    /* wells */
    {"dnwell",        FILL(10, 0xb4d6b4, 0x5e8e5e, 45)},
    {"pwell",         LINE(11, 0xa08a5a)},
    {"nwell",         FILL(12, 0xbcbcd0, 0x6c6c8c, 60)},
    /* implants and threshold adjusts */
    {"nsdm",          LINE(20, 0x1a9a3a)},
    {"psdm",          LINE(21, 0xd07000)},
    {"lvtn",          LINE(22, 0x3050c0)},
    {"hvtp",          LINE(23, 0xb03030)},
    {"hvntm",         LINE(24, 0x806030)},
    {"npc",           LINE(25, 0xc040a0)},
    {"rpm",           LINE(26, 0xa01050)},
    {"urpm",          LINE(27, 0x6a2090)},
    /* front end */
    {"diff",          FILL(30, 0x2db84a, 0x138a2e, 110)},
    {"tap",           FILL(32, 0x1a6e34, 0x0a4a1e, 125)},
    {"poly",          FILL(40, 0xe8262a, 0xa80a0e, 140)},
    {"polyres",       LINE(42, 0x800000)},
    {"licon1",        CUT(44, 0x1c1c1c, 0x000000)},
    /* local interconnect and metals, each with the cut above it */
    {"li1",           FILL(50, 0x7a5ae0, 0x5234b8, 95)},
    {"mcon",          CUT(52, 0x3a2080, 0x1e0c50)},
    {"met1",          FILL(60, 0x3c78f0, 0x1a4cc8, 90)},
    {"via",           CUT(62, 0x12306e, 0x081838)},
    {"met2",          FILL(70, 0xe040c0, 0xa8188c, 85)},
    {"via2",          CUT(72, 0x701050, 0x400830)},
    {"met3",          FILL(80, 0x1fb5b0, 0x0d7f7b, 85)},
    {"capm",          FILL(82, 0xb07a3a, 0x7a4c14, 110)},
    {"via3",          CUT(84, 0x0a5250, 0x032e2c)},
    {"met4",          FILL(90, 0xc8a818, 0x8a7000, 85)},
    {"cap2m",         FILL(92, 0x9a5aa8, 0x6a2a78, 110)},
    {"via4",          CUT(94, 0x5a4800, 0x2e2400)},
    {"met5",          FILL(100, 0xe07a28, 0xa04c08, 80)},
};

/* Muted colours for layers the table does not know, picked by index so a
 * picture of a GDS with foreign layers still tells them apart. */
static const unsigned unknown_fill[] = {
    0x8c8c8c, 0x7a9a8a, 0x9a8a7a, 0x8a7a9a, 0x9a9a6a, 0x6a8a9a,
};

rs_style render_style_of(const char *layer_name, int layer_index)
{
    for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++)
        if (strcmp(styles[i].name, layer_name) == 0) return styles[i].style;
    size_t n = sizeof unknown_fill / sizeof unknown_fill[0];
    unsigned fill = unknown_fill[(size_t)(layer_index < 0 ? 0 : layer_index) % n];
    unsigned stroke = (fill >> 1) & 0x7f7f7f;   /* the same hue, half as bright */
    return (rs_style){1000 + layer_index, fill, stroke, 80, RS_PAINT_FILL};
}
