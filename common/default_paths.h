/* default_paths: where the programs look when not told otherwise. One place, so that the
 * daemon (plugin/daemon/cmd_serve.c), the operator commands (plugin/cli/) and the usage texts
 * agree. The host layer's own defaults (udev's and VFIO's folders) are in plugin/host/host.h. */
#ifndef SRIOV_DEFAULT_PATHS_H
#define SRIOV_DEFAULT_PATHS_H

#define SRIOV_DEFAULT_SOCKET "/run/docker/plugins/sriov.sock" /* where dockerd finds the plugin */
#define SRIOV_DEFAULT_STATE_DIR "/var/lib/sriov-plugin"
#define SRIOV_DEFAULT_SYSFS "/sys"
#define SRIOV_DEFAULT_PROC "/proc"

#endif
