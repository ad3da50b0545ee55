/* cmd_serve: the daemon's command line (see cmd_serve.c). */
#ifndef CMD_SERVE_H
#define CMD_SERVE_H

#include <stdio.h>

/* Parses the daemon's options and serves until SIGTERM/SIGINT; returns the exit status.
 * usage prints the whole program's usage (main.c's, which lists the commands too). */
int cmd_serve(int argc, char **argv, void (*usage)(FILE *out));
/* The daemon's options, for that usage text. */
void cmd_serve_usage(FILE *out);

#endif
