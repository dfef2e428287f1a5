/*
 * gds.h -- GDSII stream files in and out of the layout database.
 *
 * Owns: the GDSII record vocabulary (record types, the excess-64 real8
 * number format), gds_write_* (gds_write.c) and gds_read_* (gds_read.c).
 *
 * Mapping between the database (layout.h) and GDS:
 *   - Units: user unit 1 um, database unit 1 nm.  The reader accepts any
 *     database unit that is a whole number of nanometres (up to 1 mm) and
 *     scales coordinates to nm.
 *   - A rectangle is a BOUNDARY on its layer's drawing datatype; its net,
 *     when it has one, is property 1 (PROPATTR 1 / PROPVALUE net name).
 *   - A pin is a BOUNDARY on the layer's pin datatype plus a TEXT (the pin
 *     name) at the box centre on the layer's label datatype.  A layer
 *     without a distinct pin datatype carries the pin shape on its drawing
 *     datatype marked with property 2 = "pin" (GDS_PROP_PIN) so it reads
 *     back as a pin; a layer without a label datatype carries the text on
 *     its drawing datatype.
 *   - A label is a TEXT on the layer's label datatype (drawing if none).
 *   - An instance is an SREF with STRANS/ANGLE from lay_orient_to_gds and
 *     its name as property 61 (what Magic writes since late 2022 and
 *     reads back; KLayout keeps it as an instance property).
 *   - Reading: polygons and paths must be Manhattan and are cut into
 *     rectangles; a TEXT on any purpose of a layer that lies inside (or on
 *     the edge of) a pin shape of that layer in the same cell names that
 *     shape as a pin, other TEXTs become labels, and pin shapes no TEXT
 *     names stay plain rectangles.  Pin shapes are those on the pin or the
 *     label datatype (the old sky130 Magic tech writes pin boxes on the
 *     label datatype, pdk-facts sky130.md 6.1) or marked GDS_PROP_PIN.
 *     An instance's name is property 61, else 98 (Magic 8.3), else "I<n>".
 *     AREFs become one instance per element (NAME_c_r).  GDS pairs the
 *     layer table does not know become new layers "gds_L_D".
 *
 * Refused on reading (HALO_E_GDS_UNSUPPORTED, naming file, byte offset,
 * cell and layer): non-Manhattan polygons and paths, round path ends
 * (type 1), path widths that are an odd number of nm, references with a
 * magnification other than 1, absolute flags or an angle that is not a
 * multiple of 90 degrees, database units that are not a whole number of
 * nm, coordinates beyond 32 bits, hierarchies deeper than 1000 levels, and
 * AREFs or polygons that expand beyond 65536 + 16 items per input byte.
 *
 * Invariants: output depends only on the library (fixed timestamps), so
 * the same library always gives the same bytes; for any library whose
 * layers have distinct GDS pairs, write then read gives cells that
 * lay_cell_compare finds equal, and writing the result again gives the
 * same bytes.  The reader never trusts counts in the file: work and
 * memory are bounded by a multiple of the input size.
 */
#ifndef HALO_GDS_H
#define HALO_GDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/halo_err.h"
#include "layout.h"
#include "tech/tech.h"

/* Record types.  A record is a 16-bit big-endian length (header
 * included, even), the record type, the data type, then the data. */
enum {
    GDS_HEADER = 0x00, GDS_BGNLIB = 0x01, GDS_LIBNAME = 0x02, GDS_UNITS = 0x03, GDS_ENDLIB = 0x04,
    GDS_BGNSTR = 0x05, GDS_STRNAME = 0x06, GDS_ENDSTR = 0x07, GDS_BOUNDARY = 0x08, GDS_PATH = 0x09,
    GDS_SREF = 0x0a, GDS_AREF = 0x0b, GDS_TEXT = 0x0c, GDS_LAYER = 0x0d, GDS_DATATYPE = 0x0e,
    GDS_WIDTH = 0x0f, GDS_XY = 0x10, GDS_ENDEL = 0x11, GDS_SNAME = 0x12, GDS_COLROW = 0x13,
    GDS_TEXTNODE = 0x14, GDS_NODE = 0x15, GDS_TEXTTYPE = 0x16, GDS_PRESENTATION = 0x17,
    GDS_SPACING = 0x18, GDS_STRING = 0x19, GDS_STRANS = 0x1a, GDS_MAG = 0x1b, GDS_ANGLE = 0x1c,
    GDS_UINTEGER = 0x1d, GDS_USTRING = 0x1e, GDS_REFLIBS = 0x1f, GDS_FONTS = 0x20,
    GDS_PATHTYPE = 0x21, GDS_GENERATIONS = 0x22, GDS_ATTRTABLE = 0x23, GDS_STYPTABLE = 0x24,
    GDS_STRTYPE = 0x25, GDS_ELFLAGS = 0x26, GDS_ELKEY = 0x27, GDS_LINKTYPE = 0x28,
    GDS_LINKKEYS = 0x29, GDS_NODETYPE = 0x2a, GDS_PROPATTR = 0x2b, GDS_PROPVALUE = 0x2c,
    GDS_BOX = 0x2d, GDS_BOXTYPE = 0x2e, GDS_PLEX = 0x2f, GDS_BGNEXTN = 0x30, GDS_ENDEXTN = 0x31,
    GDS_TAPENUM = 0x32, GDS_TAPECODE = 0x33, GDS_STRCLASS = 0x34, GDS_RESERVED = 0x35,
    GDS_FORMAT = 0x36, GDS_MASK = 0x37, GDS_ENDMASKS = 0x38, GDS_LIBDIRSIZE = 0x39,
    GDS_SRFNAME = 0x3a, GDS_LIBSECUR = 0x3b,
    GDS_NRECORDS
};

/* Data types. */
enum { GDS_NODATA = 0, GDS_BITS = 1, GDS_INT16 = 2, GDS_INT32 = 3, GDS_REAL4 = 4, GDS_REAL8 = 5, GDS_ASCII = 6 };

/* Property attributes halo writes and reads. */
#define GDS_PROP_NET 1        /* BOUNDARY: the rectangle's net */
#define GDS_PROP_PIN 2        /* BOUNDARY on a drawing datatype that is a pin shape */
#define GDS_PROP_INSTNAME 61  /* SREF/AREF: the instance name (Magic since 2022, KLayout users) */
#define GDS_PROP_MAGIC_INSTNAME 98  /* the same as Magic 8.3.105 writes it; read only */

/* Longest string a record holds: 65535 rounded down to even, less the
 * 4-byte header. */
#define GDS_MAX_STRING 65530

/* Record type name ("BOUNDARY"), "record 0xNN" for an unknown one. */
const char *gds_record_name(int type);

/* GDSII 8-byte real: sign bit, excess-64 base-16 exponent, 56-bit
 * fraction, big-endian.  Encoding is exact for every double in range
 * (|v| < 16^63, zero for |v| < 16^-65). */
void gds_real8_encode(double v, unsigned char out[8]);
double gds_real8_decode(const unsigned char in[8]);

/* Write cells `tops` (and every cell they instantiate, children first) or,
 * when ntops == 0, every cell. */
int gds_write_file(const lay_lib *lib, const int *tops, int ntops, const char *path, halo_err *err);
/* Same into memory; *out malloc'ed. */
int gds_write_mem(const lay_lib *lib, const int *tops, int ntops, unsigned char **out, size_t *len,
                  halo_err *err);

/* Read a GDS file into a new library whose layer table starts as tech's
 * (tech may be NULL).  Returns NULL with err filled on failure; every
 * message names the file and the byte offset of the offending record. */
lay_lib *gds_read_file(const char *path, const halo_tech *tech, halo_err *err);
lay_lib *gds_read_mem(const unsigned char *data, size_t len, const char *name, const halo_tech *tech,
                      halo_err *err);

#endif
