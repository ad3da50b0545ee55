#!/bin/bash
# Builds (or adds to) a fake sysfs tree shaped like the kernel's, for the plugin's --sysfs:
#   ROOT/class/net/<pf>/device -> ../../../bus/pci/devices/<pf-pci>
#   ROOT/bus/pci/devices/<pf-pci>/{sriov_totalvfs,sriov_numvfs,net/<pf>/,virtfnN -> ../<vf-pci>}
#   ROOT/bus/pci/devices/<vf-pci>/{physfn -> ../<pf-pci>, net/<pf>v<N>/, driver -> ../../drivers/igbvf,
#                                  iommu_group -> ../../../../kernel/iommu_groups/<G>}
#   ROOT/bus/pci/drivers/igbvf/{bind,unbind}, ROOT/bus/pci/drivers_probe, ROOT/kernel/iommu_groups/<G>/
# Every possible VF (0..totalvfs-1) exists, as if the driver had made them; sriov_numvfs is only the
# file's content (the plugin writes it when it is 0). Run it several times on one ROOT for several PFs.
#
# Usage: make-fake-sysfs.sh -r ROOT -p PF_NAME [-a PF_PCI] [-t TOTALVFS] [-n NUMVFS] [--no-sriov]
#        [--unbound N] (VF N has no driver)  [--vfio N] (VF N is on vfio-pci, no netdev)
set -eu
root='' pf='' pci=0000:01:00.0 total=4 num=0 sriov=1
unbound=() vfio=()
usage() { sed -n '2,14p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	-r) root=$2; shift 2 ;;
	-p) pf=$2; shift 2 ;;
	-a) pci=$2; shift 2 ;;
	-t) total=$2; shift 2 ;;
	-n) num=$2; shift 2 ;;
	--no-sriov) sriov=0; shift ;;
	--unbound) unbound+=("$2"); shift 2 ;;
	--vfio) vfio+=("$2"); shift 2 ;;
	-h|--help) usage ;;
	*) echo "make-fake-sysfs: unknown argument $1" >&2; usage ;;
	esac
done
if [ -z "$root" ] || [ -z "$pf" ]; then usage; fi
case "$pf" in */*|.|..|'') echo "make-fake-sysfs: bad PF name '$pf'" >&2; exit 2 ;; esac
[[ "$pci" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]] || { echo "make-fake-sysfs: bad PCI address '$pci'" >&2; exit 2; }

bus=${pci:5:2}
devs=$root/bus/pci/devices
mkdir -p "$root/class/net" "$devs" "$root/bus/pci/drivers/igbvf" "$root/bus/pci/drivers/vfio-pci" \
	"$root/kernel/iommu_groups"
: >"$root/bus/pci/drivers_probe"
for drv in igbvf vfio-pci; do : >"$root/bus/pci/drivers/$drv/bind"; : >"$root/bus/pci/drivers/$drv/unbind"; done

mkdir -p "$devs/$pci/net/$pf" "$root/class/net/$pf"
ln -sfn "../../../bus/pci/devices/$pci" "$root/class/net/$pf/device"
if [ "$sriov" = 1 ]; then
	echo "$total" >"$devs/$pci/sriov_totalvfs"
	echo "$num" >"$devs/$pci/sriov_numvfs"
	in_list() { local x=$1; shift; for y in "$@"; do [ "$x" = "$y" ] && return 0; done; return 1; }
	for ((i = 0; i < total; i++)); do
		# VFs of PF bus BB live at BB:1X.Y, like many NICs' routing IDs
		vf=$(printf '0000:%s:%02x.%d' "$bus" $((0x10 + i / 8)) $((i % 8)))
		group=$((100 + 10#$bus * 256 + i))
		mkdir -p "$devs/$vf" "$root/kernel/iommu_groups/$group"
		ln -sfn "../$vf" "$devs/$pci/virtfn$i"
		ln -sfn "../$pci" "$devs/$vf/physfn"
		ln -sfn "../../../../kernel/iommu_groups/$group" "$devs/$vf/iommu_group"
		: >"$devs/$vf/driver_override"
		if in_list "$i" ${vfio[@]+"${vfio[@]}"}; then
			ln -sfn ../../drivers/vfio-pci "$devs/$vf/driver"
		elif ! in_list "$i" ${unbound[@]+"${unbound[@]}"}; then
			ln -sfn ../../drivers/igbvf "$devs/$vf/driver"
			mkdir -p "$devs/$vf/net/${pf:0:12}v$i"
		fi
	done
fi
