/* unix_socket: the plugin's listening socket.
 * A stale socket file (nobody answers) is replaced; a live one (another
 * instance answers) or a non-socket file makes start-up fail. Mode 0660,
 * owned by root and `group` when given. A socket passed by systemd
 * (LISTEN_PID/LISTEN_FDS) is used as it is. Either way the listen backlog is
 * large enough for a burst of a thousand connections (unix_socket.c). */
#ifndef UNIX_SOCKET_H
#define UNIX_SOCKET_H

#include <stdbool.h>

#include "../../common/sr_error.h"

int unix_socket_listen(const char *path, const char *group, int *fd_out, sr_error *err);
/* The socket systemd passed (LISTEN_PID/LISTEN_FDS): 1 and *fd_out set; 0 when none was
 * passed; -1 when one was announced but fd 3 is not one listening Unix stream socket. */
int unix_socket_from_systemd(int *fd_out, sr_error *err);

#endif
