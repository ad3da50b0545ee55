#include "events.h"

#include <stdarg.h>
#include <stdio.h>

#include "../host/pf.h"

void event_vf(struct daemon *d, enum metrics_event ev, const struct ep_record *ep, int level, const char *fmt, ...)
{
	char message[1024], pf[SYSFS_IFNAME_MAX] = "", vf[16], mac[18];
	struct sr_log_field f[9];
	size_t n = 0;
	sr_error ignored = {0};
	va_list ap;
	metrics_event(&d->metrics, ev);
	if (level > d->log.level)
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (pf_ifname(&d->host, ep->pf_pci, pf, &ignored) < 0)
		pf[0] = '\0';
	snprintf(vf, sizeof(vf), "%d", ep->vf);
	nlk_mac_format(ep->mac, mac);
	f[n++] = (struct sr_log_field){"SRIOV_EVENT", metrics_event_name(ev)};
	f[n++] = (struct sr_log_field){"SRIOV_NETWORK", ep->network_id};
	f[n++] = (struct sr_log_field){"SRIOV_ENDPOINT", ep->id};
	f[n++] = (struct sr_log_field){"SRIOV_PF", pf};
	f[n++] = (struct sr_log_field){"SRIOV_PF_PCI", ep->pf_pci};
	if (ep->passthrough) {
		f[n++] = (struct sr_log_field){"SRIOV_NIC", ep->pf_pci};
	} else {
		f[n++] = (struct sr_log_field){"SRIOV_VF", vf};
		f[n++] = (struct sr_log_field){"SRIOV_VF_PCI", ep->vf_pci};
	}
	f[n++] = (struct sr_log_field){"SRIOV_MAC", mac};
	if (ep->sandbox_key[0])
		f[n++] = (struct sr_log_field){"SRIOV_SANDBOX", ep->sandbox_key};
	sr_log_event(&d->log, level, f, n, "%s", message);
}
