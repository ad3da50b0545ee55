/* ep_view: what EndpointOperInfo reads without d->lock. Published from the state: each endpoint
 * whose network is recorded, with its network's VLAN; found by ID; replaced whole by the next
 * publish (an endpoint removed since is gone from it). */
#include <string.h>

#include "../../plugin/daemon/daemon.h"
#include "check.h"

static void add_net(struct state *st, const char *id, unsigned vlan)
{
	struct net_record n = {0};
	sr_error err = {0};
	snprintf(n.id, sizeof(n.id), "%s", id);
	n.cfg.vlan = vlan;
	CHECK(state_add_net(st, &n, &err) != NULL);
}

static void add_ep(struct state *st, const char *id, const char *net, int vf)
{
	struct ep_record e = {0};
	sr_error err = {0};
	snprintf(e.id, sizeof(e.id), "%s", id);
	snprintf(e.network_id, sizeof(e.network_id), "%s", net);
	snprintf(e.pf_pci, sizeof(e.pf_pci), "0000:01:00.0");
	snprintf(e.vf_pci, sizeof(e.vf_pci), "0000:01:10.%d", vf);
	e.vf = vf;
	e.mac[5] = (uint8_t)vf;
	CHECK(state_add_ep(st, &e, &err) != NULL);
}

int main(void)
{
	static struct daemon d;
	struct ep_view_entry e;
	daemon_locks_init(&d);
	d.log.level = -1;
	CHECK(!ep_view_find(&d.views, "e1", &e)); /* nothing published yet */
	add_net(&d.state, "n2", 200);
	add_net(&d.state, "n1", 100);
	add_ep(&d.state, "e3", "n1", 3);
	add_ep(&d.state, "e1", "n2", 1);
	add_ep(&d.state, "e2", "gone", 2); /* its network is not recorded: not shown */
	CHECK(ep_view_publish(&d) == 0);
	CHECK(ep_view_find(&d.views, "e1", &e) && e.vf == 1 && e.vlan == 200 && e.mac[5] == 1 &&
	      !strcmp(e.vf_pci, "0000:01:10.1"));
	CHECK(ep_view_find(&d.views, "e3", &e) && e.vf == 3 && e.vlan == 100);
	CHECK(!ep_view_find(&d.views, "e2", &e));
	CHECK(!ep_view_find(&d.views, "e4", &e));
	/* a change is seen only once published */
	state_remove_ep(&d.state, "e1");
	CHECK(ep_view_find(&d.views, "e1", &e));
	CHECK(ep_view_publish(&d) == 0);
	CHECK(!ep_view_find(&d.views, "e1", &e) && ep_view_find(&d.views, "e3", &e));
	state_free(&d.state);
	daemon_locks_destroy(&d);
	return check_summary("ep_view");
}
