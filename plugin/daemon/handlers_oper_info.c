/* NetworkDriver.EndpointOperInfo: what `docker inspect` shows of an endpoint's VF (or NIC).
 * Answered in the HTTP event loop: from the published endpoint view (ep_view.h), never from
 * d->lock, which a save holds across its fsyncs; the PF's name is read from sysfs (a directory
 * read, which waits for nothing a request holds), as it may have changed since. */
#include <stdio.h>

#include "../../spec/spec.h"
#include "../host/pf.h"
#include "handlers.h"

int handle_endpoint_oper_info(struct daemon *d, const char *body, size_t len, struct http_response *resp, sr_error *err)
{
	struct spec_endpoint_ref req;
	struct ep_view_entry ep;
	char pf[SYSFS_IFNAME_MAX] = "";
	char mac[18];
	if (spec_decode_endpoint_ref(body, len, &req, err) < 0)
		return sr_error_kind(err, SR_INVALID);
	if (!ep_view_find(&d->views, req.endpoint_id, &ep)) {
		respond_json(resp, spec_encode_oper_info(NULL, 0));
		return 0;
	}
	if (pf_ifname(&d->host, ep.pf_pci, pf, err) < 0)
		pf[0] = '\0';
	nlk_mac_format(ep.mac, mac);
	if (ep.passthrough) {
		/* pf_iface "" while the NIC is in the container */
		struct spec_oper_field nic[] = {
			{"mode", "passthrough", 0}, {"pf_iface", pf, 0},           {"pf_pci", ep.pf_pci, 0},
			{"mac", mac, 0},            {"host_name", ep.host_name, 0},
		};
		respond_json(resp, spec_encode_oper_info(nic, sizeof(nic) / sizeof(nic[0])));
		return 0;
	}
	struct spec_oper_field fields[] = {
		{"pf_iface", pf, 0},       {"pf_pci", ep.pf_pci, 0}, {"vf_index", NULL, ep.vf},
		{"vf_pci", ep.vf_pci, 0}, {"mac", mac, 0},          {"vlan", NULL, ep.vlan},
	};
	respond_json(resp, spec_encode_oper_info(fields, sizeof(fields) / sizeof(fields[0])));
	return 0;
}
