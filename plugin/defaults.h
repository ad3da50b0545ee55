/* defaults: where the programs look when not told otherwise. One place, so that the daemon
 * (main.c), the operator commands (cli/) and the usage texts agree. The host layer's own
 * defaults (udev's and VFIO's folders) are in host/host.h. */
#ifndef SRIOV_DEFAULTS_H
#define SRIOV_DEFAULTS_H

#define SRIOV_DEFAULT_SOCKET "/run/docker/plugins/sriov.sock" /* where dockerd finds the plugin */
#define SRIOV_DEFAULT_STATE_DIR "/var/lib/sriov-plugin"
#define SRIOV_DEFAULT_SYSFS "/sys"
#define SRIOV_DEFAULT_PROC "/proc"

#endif
