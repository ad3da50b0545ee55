/* status_table: the daemon's status view (see status_view.h) as text for a terminal. */
#ifndef STATUS_TABLE_H
#define STATUS_TABLE_H

#include <jansson.h>
#include <stdio.h>

void status_table_print(FILE *out, const json_t *view);

#endif
