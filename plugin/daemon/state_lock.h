/* state_lock: one daemon per state dir. Two daemons on one state dir (the package's service and
 * the managed plugin both default to /var/lib/sriov-plugin) would each keep their own copy of the
 * records in memory, and one's sweep could reset a VF the other just handed out. So the daemon
 * holds a lock on <state dir>/daemon.lock (a POSIX record lock: released by the kernel when the
 * process dies, however it dies) for as long as it runs, and writes there who it is; a second
 * daemon is refused before it reads or writes anything else in the dir, with the holder's PID,
 * socket and start time and the way out. The lock file is not state: nothing else reads it. */
#ifndef STATE_LOCK_H
#define STATE_LOCK_H

#include "../../common/sr_error.h"

#define STATE_LOCK_FILE "daemon.lock"

/* Takes the lock of dir (which exists) for this process; *fd stays open until state_lock_release.
 * -1 with err naming the holder (from what it wrote there) when another daemon has it; 1 when no
 * lock file can be created on a full disk (*fd -1: the caller warns and serves). */
int state_lock_take(const char *dir, int *fd, sr_error *err);
/* Once the start is accepted: writes who holds the lock (PID, the socket it serves, since when)
 * for the message of a daemon refused later; a refused start writes nothing in the dir.
 * socket_path: the socket served when systemd passes none. -1 when it could not be written. */
int state_lock_describe(int fd, const char *socket_path);
void state_lock_release(int fd);

#endif
