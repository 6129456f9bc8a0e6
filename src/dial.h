/*
 * dial.h: destination patterns (allowed/barred numbers, route numbers).
 *
 * A pattern is an optional '+', 1 to 20 digits, and an optional trailing
 * '*' meaning "any number starting with these digits"; "*" alone matches
 * every number.  Patterns and numbers are compared on their digits only:
 * '+', spaces, dashes, dots and parentheses in the number are ignored, so
 * "+81*" matches "+81 75-555-1234".
 */
#ifndef FAXHUB_DIAL_H
#define FAXHUB_DIAL_H

#define DIAL_MAX_DIGITS	20

/* 1 when the pattern is well formed. */
int	dial_pattern_valid(const char *);
/* 1 when number (E.164 or any punctuation of it) matches pat. */
int	dial_pattern_match(const char *pat, const char *number);

#endif
