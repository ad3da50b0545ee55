/* default_paths: where the programs look when not told otherwise. One place, so that the
 * daemon (plugin/daemon/cmd_serve.c), the host layer (plugin/host/: udev's and VFIO's folders),
 * the operator commands (plugin/cli/) and the usage texts agree. */
#ifndef SRIOV_DEFAULT_PATHS_H
#define SRIOV_DEFAULT_PATHS_H

#define SRIOV_DEFAULT_SOCKET "/run/docker/plugins/sriov.sock" /* where dockerd finds the plugin */
#define SRIOV_DEFAULT_STATE_DIR "/var/lib/sriov-plugin"
#define SRIOV_DEFAULT_SYSFS "/sys"
#define SRIOV_DEFAULT_PROC "/proc"
#define SRIOV_DEFAULT_UDEV_DIR "/run/udev" /* udev's runtime folder: control socket, data/n<ifindex> */
#define SRIOV_DEFAULT_VFIO_DIR "/dev/vfio" /* VFIO group nodes */

#endif
