/* ep_vf: an endpoint record's VF as the host layer takes it (struct vf_target points into the
 * record, so the record must outlive the call). A compound literal: it lives as long as the
 * enclosing block, which covers any vf_apply/vf_reset/vf_sync_netdev call it is passed to. */
#ifndef EP_VF_H
#define EP_VF_H

#include "../host/vf_setup.h"
#include "state.h"

#define EP_VF(ep) (&(struct vf_target){(ep)->vf, (ep)->vf_pci, (ep)->mac, &(ep)->saved, (ep)->saved_mtu})

#endif
