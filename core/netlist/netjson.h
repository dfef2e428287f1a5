/*
 * netjson.h -- the netlist_json primitive of the analog-circuits-sky130
 * schema (shared/seeds/analog-circuits-sky130-schema.txt § netlist_json).
 *
 * Owns: reading and writing {"nets": [...], "devices": [...]} exactly as the
 * schema gives it -- nets with name/role/external, devices with
 * name/type/model/pins [{role, net}]/params -- with the frozen
 * vocabularies checked.  Ports are the external nets, in the order of
 * "nets".  MOS W and L are µm; nf is a number, or "ZZZ" for an OSIRIS
 * placeholder; a per-finger template whose nf is unset writes its finger
 * width as "W_finger".
 * Callers: tclcmds (read_netlist_json, write_netlist_json), dataset rows,
 * fuzz/fuzz_netjson.c, tests.
 */
#ifndef HALO_NETJSON_H
#define HALO_NETJSON_H

#include <stddef.h>
#include "base/halo_err.h"
#include "netlist.h"

/* Parse netlist_json text; name is used in messages and becomes the design
 * name with its directory and .json extension removed. */
netlist *netjson_read_text(const char *text, size_t len, const char *name, halo_err *err);
netlist *netjson_read_file(const char *path, halo_err *err);

/* The netlist as netlist_json (malloc'd).  pretty: indented; else compact,
 * the form a dataset row embeds as a string. */
char *netjson_write_text(const netlist *nl, int pretty);
int netjson_write_file(const netlist *nl, const char *path, halo_err *err);

#endif
