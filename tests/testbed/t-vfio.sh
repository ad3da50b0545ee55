#!/bin/bash
# tests/testbed/t-vfio.sh: guest suite, run with TESTBED_IOMMU=1. Emulates what Kata does to
# a VF: unbind it from igbvf, bind it to vfio-pci (driver_override + drivers_probe), see its
# /dev/vfio/<group>, then give it back to igbvf with a netdev again. The guest kernel has no
# VFIO no-IOMMU mode, so without the emulated IOMMU this suite fails (it never skips).
# Run: TESTBED_IOMMU=1 scripts/testbed/run tests/testbed/t-vfio.sh
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

tb_check "IOMMU groups exist (needs TESTBED_IOMMU=1)" test -n "$(ls /sys/kernel/iommu_groups 2>/dev/null)"
tb_check "modules load" tb_load_modules
PF=$(tb_pfs | head -1)
tb_check "an igb PF is present" test -n "$PF"
[ -n "$PF" ] || { tb_summary; exit 1; }
tb_check "$PF: up with carrier" tb_pf_up "$PF"
tb_check "$PF: 2 VFs enabled" tb_enable_vfs "$PF" 2
VF=$(tb_vf_pci "$PF" 0)
D=/sys/bus/pci/devices/$VF
GROUP=$(basename "$(readlink -f "$D/iommu_group")")
PFGROUP=$(basename "$(readlink -f "/sys/class/net/$PF/device/iommu_group")")
VF1GROUP=$(basename "$(readlink -f "$(readlink -f "/sys/class/net/$PF/device/virtfn1")/iommu_group")")
tb_log "PF group $PFGROUP, VF 0 ($VF) group $GROUP, VF 1 group $VF1GROUP"
tb_check "VF 0 has an IOMMU group" test -n "$GROUP" -a -d "/sys/kernel/iommu_groups/$GROUP"
tb_check "VF 0 is alone in its group (not with the PF or VF 1)" \
	test "$GROUP" != "$PFGROUP" -a "$GROUP" != "$VF1GROUP" -a "$(ls "/sys/kernel/iommu_groups/$GROUP/devices" | wc -l)" = 1

# igbvf -> vfio-pci
echo vfio-pci > "$D/driver_override"
tb_check "unbind VF 0 from igbvf" sh -c "echo $VF > /sys/bus/pci/drivers/igbvf/unbind"
tb_check "drivers_probe VF 0" sh -c "echo $VF > /sys/bus/pci/drivers_probe"
tb_check_eq "VF 0 bound to vfio-pci" vfio-pci "$(tb_vf_driver "$PF" 0)"
tb_check "/dev/vfio/$GROUP appears" tb_wait 5 test -c "/dev/vfio/$GROUP"
tb_check "/dev/vfio/$GROUP opens (group viable)" "$TB_PY" -c "import os; os.close(os.open('/dev/vfio/$GROUP', os.O_RDWR))"
tb_check_eq "VF 0 has no netdev while on vfio-pci" "" "$(tb_vf_netdev "$PF" 0)"
tb_check "the PF still works: vf 0 mac set through it" ip link set "$PF" vf 0 mac 02:00:00:00:0f:00

# vfio-pci -> igbvf
echo > "$D/driver_override"
tb_check "unbind VF 0 from vfio-pci" sh -c "echo $VF > /sys/bus/pci/drivers/vfio-pci/unbind"
tb_check "drivers_probe VF 0 again" sh -c "echo $VF > /sys/bus/pci/drivers_probe"
tb_check_eq "VF 0 back on igbvf" igbvf "$(tb_vf_driver "$PF" 0)"
tb_check "VF 0 has a netdev again" tb_wait 10 tb_vf_netdev "$PF" 0
N0=$(tb_vf_netdev "$PF" 0)
tb_check_eq "VF 0 netdev took the admin MAC set while on vfio-pci" 02:00:00:00:0f:00 \
	"$(cat "/sys/class/net/$N0/address" 2>&1)"
tb_fact "VF 0 netdev after the vfio round trip" "$N0"
tb_fact "/dev/vfio/$GROUP after unbinding from vfio-pci" "$([ -e "/dev/vfio/$GROUP" ] && echo present || echo gone)"
echo 0 > "/sys/class/net/$PF/device/sriov_numvfs"
tb_check_eq "sriov_numvfs back to 0" 0 "$(cat "/sys/class/net/$PF/device/sriov_numvfs")"
tb_summary
