/*
 * eng.h -- SPICE numbers with engineering suffixes.
 *
 * Owns: reading "10u", "1.5meg", "2.2kohm", "3pF", "1e-6" as doubles with
 * SPICE's rules (scale suffixes t g meg k mil m u n p f a, case-insensitive,
 * any trailing letters are units and ignored, so "1Mohm" is a milliohm),
 * and writing doubles back in the shortest text that reads back exactly.
 * The value is computed by strtod on the rewritten decimal ("10e-6"), so
 * "10u" is the double nearest to 1e-5, exactly as written.
 */
#ifndef HALO_ENG_H
#define HALO_ENG_H

/* Parse a number at s.  On success stores it, sets *end past the number,
 * its suffix and unit letters, and returns 0; returns -1 when s does not
 * start with a number. */
int eng_parse_prefix(const char *s, double *out, const char **end);

/* Parse a whole token; trailing characters other than unit letters are an
 * error.  Returns 0 on success, -1 on error. */
int eng_parse(const char *text, double *out);

/* Shortest decimal that strtod reads back as v ("0.42", "1e-05"). */
void eng_format(double v, char buf[32]);

#endif
