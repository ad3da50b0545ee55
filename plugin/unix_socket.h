/* unix_socket: the plugin's listening socket.
 * A stale socket file (nobody answers) is replaced; a live one (another
 * instance answers) or a non-socket file makes start-up fail. Mode 0660,
 * owned by root and `group` when given. A socket passed by systemd
 * (LISTEN_PID/LISTEN_FDS) is used as it is. */
#ifndef UNIX_SOCKET_H
#define UNIX_SOCKET_H

#include <stdbool.h>

#include "../common/sr_error.h"

int unix_socket_listen(const char *path, const char *group, int *fd_out, sr_error *err);
/* Returns the systemd-passed listening fd, or -1 when none was passed. */
int unix_socket_from_systemd(void);

#endif
