/* state: JSON round trip, corrupt files rejected with a message, atomic save, lookups. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "../../plugin/daemon/state.h"
#include "check.h"

#define NET_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NET_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define EP_1 "1111111111111111111111111111111111111111111111111111111111111111"
#define EP_2 "2222222222222222222222222222222222222222222222222222222222222222"

static char tmpdir[256];

static void fill_net(struct net_record *n, const char *id, unsigned vlan)
{
	sr_error err = {0};
	memset(n, 0, sizeof(*n));
	snprintf(n->id, sizeof(n->id), "%s", id);
	n->cfg.pf_count = 1;
	snprintf(n->pf_pci[0], sizeof(n->pf_pci[0]), "0000:01:00.0");
	snprintf(n->cfg.pf_spec[0], sizeof(n->cfg.pf_spec[0]), "enp1s0f0");
	snprintf(n->cfg.prefix, sizeof(n->cfg.prefix), "net");
	snprintf(n->gateway4, sizeof(n->gateway4), "10.9.0.1");
	snprintf(n->pool4, sizeof(n->pool4), "10.9.0.0/16");
	snprintf(n->gateway6, sizeof(n->gateway6), "fd00::1");
	snprintf(n->pool6, sizeof(n->pool6), "fd00::/64");
	n->internal = true;
	n->cfg.vlan = vlan;
	n->cfg.qos = 5;
	n->cfg.vlan_proto = NLK_VLAN_8021AD;
	n->cfg.spoofchk = false;
	n->cfg.trust = true;
	n->cfg.link_state_set = true;
	n->cfg.link_state = NLK_VF_LINK_DISABLE;
	n->cfg.rate_set = true;
	n->cfg.min_tx_rate = 10;
	n->cfg.max_tx_rate = 900;
	n->cfg.mtu = 9000;
	n->cfg.numvfs = 7;
	n->cfg.vfs_set = true;
	CHECK(net_config_parse_vf_list("0-3,6", n->cfg.vfs_mask, &err) == 0);
}

static void fill_ep(struct ep_record *e, const char *id, const char *net, int vf)
{
	const uint8_t mac[6] = {0x02, 0x42, 0x0a, 0x09, 0x00, (uint8_t)vf};
	const uint8_t old[6] = {0, 0, 0, 0, 0, 0};
	memset(e, 0, sizeof(*e));
	snprintf(e->id, sizeof(e->id), "%s", id);
	snprintf(e->network_id, sizeof(e->network_id), "%s", net);
	snprintf(e->pf_pci, sizeof(e->pf_pci), "0000:01:00.0");
	snprintf(e->vf_pci, sizeof(e->vf_pci), "0000:01:10.%d", vf);
	e->vf = vf;
	memcpy(e->mac, mac, 6);
	snprintf(e->address4, sizeof(e->address4), "10.9.0.%d/16", vf + 2);
	snprintf(e->sandbox_key, sizeof(e->sandbox_key), "/var/run/docker/netns/abcdef%d", vf);
	e->joined = vf % 2;
	e->saved.vf = vf;
	memcpy(e->saved.mac, old, 6);
	e->saved.vlan = 3;
	e->saved.qos = 1;
	e->saved.vlan_proto = NLK_VLAN_8021Q;
	e->saved.spoofchk = true;
	e->saved.link_state = NLK_VF_LINK_AUTO;
	e->saved.max_tx_rate = 5;
	e->saved.has_spoofchk = true;
	e->saved.has_trust = false;
	e->saved.has_link_state = true;
	e->saved.has_rate = true;
	e->phase = vf == 4 ? EP_DELETING : vf == 5 ? EP_CREATING : EP_READY;
}

static void build_state(struct state *st)
{
	struct net_record n;
	struct ep_record e;
	sr_error err = {0};
	fill_net(&n, NET_A, 100);
	CHECK(state_add_net(st, &n, &err) != NULL);
	fill_net(&n, NET_B, 200);
	n.cfg.vfs_set = false;
	memset(n.cfg.vfs_mask, 0, sizeof(n.cfg.vfs_mask));
	n.internal = false;
	CHECK(state_add_net(st, &n, &err) != NULL);
	fill_ep(&e, EP_1, NET_A, 3);
	CHECK(state_add_ep(st, &e, &err) != NULL);
	fill_ep(&e, EP_2, NET_B, 4);
	CHECK(state_add_ep(st, &e, &err) != NULL);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static int count_entries(const char *dir);

static int sub_count(const char *dir, const char *sub)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	return count_entries(path);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void test_round_trip(void)
{
	struct state a, b;
	sr_error err = {0};
	char *ja, *jb;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	build_state(&a);
	ja = state_to_json(&a);
	CHECK(ja != NULL);
	CHECK(state_from_json(ja, &b, &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "  %s\n", err.msg);
	jb = state_to_json(&b);
	CHECK_STR_EQ(ja, jb);
	CHECK(b.net_count == 2 && b.ep_count == 2);
	if (b.net_count == 2 && b.ep_count == 2) {
		const struct net_record *n = &b.nets[0];
		const struct ep_record *e = &b.eps[0];
		CHECK_STR_EQ(n->id, NET_A);
		CHECK(n->cfg.vlan == 100 && n->cfg.qos == 5 && n->cfg.vlan_proto == NLK_VLAN_8021AD);
		CHECK(!n->cfg.spoofchk && n->cfg.trust && n->internal);
		CHECK(n->cfg.link_state_set && n->cfg.link_state == NLK_VF_LINK_DISABLE);
		CHECK(n->cfg.rate_set && n->cfg.min_tx_rate == 10 && n->cfg.max_tx_rate == 900);
		CHECK(n->cfg.mtu == 9000 && n->cfg.numvfs == 7);
		CHECK(n->cfg.vfs_set && memcmp(n->cfg.vfs_mask, a.nets[0].cfg.vfs_mask, sizeof(n->cfg.vfs_mask)) == 0);
		CHECK_STR_EQ(n->cfg.prefix, "net");
		CHECK_STR_EQ(n->gateway6, "fd00::1");
		CHECK(!b.nets[1].cfg.vfs_set && !b.nets[1].internal);
		CHECK_STR_EQ(e->id, EP_1);
		CHECK(e->vf == 3 && e->saved.vf == 3 && e->joined);
		CHECK(memcmp(e->mac, a.eps[0].mac, 6) == 0);
		CHECK_STR_EQ(e->vf_pci, "0000:01:10.3");
		CHECK_STR_EQ(e->sandbox_key, "/var/run/docker/netns/abcdef3");
		CHECK(e->saved.vlan == 3 && e->saved.qos == 1 && e->saved.max_tx_rate == 5);
		CHECK(e->saved.has_spoofchk && !e->saved.has_trust && e->saved.has_link_state && e->saved.has_rate);
		CHECK(!b.eps[1].joined);
		CHECK(b.eps[0].phase == EP_READY && b.eps[1].phase == EP_DELETING);
	}
	/* An empty state round-trips too. */
	{
		struct state empty, back;
		char *je;
		memset(&empty, 0, sizeof(empty));
		memset(&back, 0, sizeof(back));
		je = state_to_json(&empty);
		CHECK(je && state_from_json(je, &back, &err) == 0 && back.net_count == 0 && back.ep_count == 0);
		free(je);
		state_free(&back);
	}
	free(ja);
	free(jb);
	state_free(&a);
	state_free(&b);
}

/* "released, VF not home yet" survives a save and a load: it is the proof that a VF left on
 * vfio-pci is ours to take back. */
/* a: the usual state; b: empty, to load into */
static void fresh_pair(struct state *a, struct state *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	build_state(a);
}

static void test_released_phase(void)
{
	struct state a, b;
	sr_error err = {0};
	char *text;
	fresh_pair(&a, &b);
	a.eps[1].phase = EP_RELEASED;
	text = state_to_json(&a);
	CHECK(text && strstr(text, "\"released\"") != NULL);
	CHECK(text && state_from_json(text, &b, &err) == 0);
	CHECK(b.ep_count == 2 && b.eps[1].phase == EP_RELEASED);
	CHECK(state_find_vf_owner(&b, b.eps[1].pf_pci, b.eps[1].vf) == &b.eps[1]);
	free(text);
	state_free(&b);
	/* its network deleted (DeleteNetwork keeps a record whose VF is not home): it still loads,
	 * and a record in use without its network is still refused */
	state_remove_net(&a, NET_B);
	text = state_to_json(&a);
	memset(&b, 0, sizeof(b));
	CHECK(text && state_from_json(text, &b, &err) == 0 && b.net_count == 1 && b.ep_count == 2);
	if (err.msg[0])
		fprintf(stderr, "  %s\n", err.msg);
	free(text);
	state_free(&b);
	a.eps[1].phase = EP_READY;
	text = state_to_json(&a);
	memset(&b, 0, sizeof(b));
	sr_error_clear(&err);
	CHECK(text && state_from_json(text, &b, &err) == -1 && strstr(err.msg, "names unknown network " NET_B));
	free(text);
	state_free(&a);
	state_free(&b);
}

/* A VF's identity (its PCI device's instance) and its netdev's MTU from before us survive a save
 * and a load; records without them (older versions) keep their shape. */
static void test_vf_identity_and_mtu(void)
{
	struct state a, b;
	sr_error err = {0};
	char *text;
	fresh_pair(&a, &b);
	snprintf(a.eps[0].vf_instance, sizeof(a.eps[0].vf_instance), "6f1c0e4a-0c0b-4b1e-9a57-1b2c3d4e5f60/4242");
	a.eps[0].saved_mtu = 1500;
	text = state_to_json(&a);
	CHECK(text && strstr(text, "\"vf_instance\": \"6f1c0e4a-0c0b-4b1e-9a57-1b2c3d4e5f60/4242\""));
	CHECK(text && strstr(text, "\"mtu\": 1500"));
	CHECK(text && state_from_json(text, &b, &err) == 0 && b.ep_count == 2);
	if (b.ep_count == 2) {
		CHECK_STR_EQ(b.eps[0].vf_instance, a.eps[0].vf_instance);
		CHECK(b.eps[0].saved_mtu == 1500 && b.eps[1].saved_mtu == 0 && !b.eps[1].vf_instance[0]);
	}
	free(text);
	state_free(&b);
	a.eps[0].vf_instance[0] = '\0';
	a.eps[0].saved_mtu = 0;
	text = state_to_json(&a);
	CHECK(text && !strstr(text, "vf_instance") && !strstr(text, "\"mtu\": 0"));
	free(text);
	state_free(&a);
}

static void expect_corrupt(const char *base, const char *from, const char *to, const char *want);

/* An endpoint's "no sandbox since" clock survives a save and a load; a record written before it
 * existed gets the load time (its orphan grace starts then, never in the past); a wrong type is
 * corruption. */
static void test_unjoined_clock(void)
{
	struct state a, b, c;
	sr_error err = {0};
	json_error_t jerr;
	json_t *doc = NULL, *eps;
	char *text, *older = NULL;
	long long before = (long long)time(NULL);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	build_state(&a);
	a.eps[0].unjoined_at = 1234;
	a.eps[1].unjoined_at = 5678;
	/* seen mounted: kept; a record never seen mounted has no such key (its shape unchanged) */
	a.eps[0].sandbox_seen = a.eps[0].sandbox_mounted = true;
	a.eps[1].sandbox_mounted = false;
	text = state_to_json(&a);
	CHECK(text && state_from_json(text, &b, &err) == 0);
	CHECK(b.ep_count == 2 && b.eps[0].unjoined_at == 1234 && b.eps[1].unjoined_at == 5678);
	CHECK(b.ep_count == 2 && b.eps[0].sandbox_mounted && !b.eps[1].sandbox_mounted);
	{
		const char *first = text ? strstr(text, "\"sandbox_mounted\": true") : NULL;
		CHECK(first && !strstr(first + 2, "sandbox_mounted")); /* once: only the record seen mounted */
	}
	if (text)
		expect_corrupt(text, "\"unjoined_at\": 1234", "\"unjoined_at\": \"1234\"",
			       "joined_at, unjoined_at, sandbox_seen or sandbox_mounted of the wrong type");
	doc = text ? json_loads(text, 0, &jerr) : NULL;
	eps = json_object_get(doc, "endpoints");
	for (size_t i = 0; i < json_array_size(eps); i++)
		json_object_del(json_array_get(eps, i), "unjoined_at");
	older = doc ? json_dumps(doc, 0) : NULL;
	CHECK(older && !strstr(older, "unjoined_at") && state_from_json(older, &c, &err) == 0);
	CHECK(c.ep_count == 2 && c.eps[0].unjoined_at >= before && c.eps[0].unjoined_at <= (long long)time(NULL));
	free(older);
	json_decref(doc);
	free(text);
	state_free(&a);
	state_free(&b);
	state_free(&c);
}

/* A passthrough network and its endpoint round-trip with their mode, kind and host settings;
 * an sriov record's text does not change (no "kind", no "mode"), and one without them loads
 * as sriov; a wrong kind or mode is corruption. */

/* The state's JSON on one line (keys sorted, ", " and ": " between), for patterns spanning objects. */
static char *flat_json(char *text)
{
	json_error_t jerr;
	json_t *doc = text ? json_loads(text, 0, &jerr) : NULL;
	char *flat = doc ? json_dumps(doc, JSON_SORT_KEYS) : NULL;
	char *out = flat ? strdup(flat) : NULL;
	free(flat);
	json_decref(doc);
	free(text);
	return out;
}

/* A network over several PFs: every PF in list order, pf_policy and per-PF vfs; a one-PF
 * network's record stays what older versions wrote (no "pfs", no "pf_policy"). */
static void test_multi_pf_records(void)
{
	static const char old_v1[] =
		"{\"version\": 1, \"networks\": [{\"id\": \"" NET_A "\", \"pf_pci\": \"0000:01:00.0\", \"pf_spec\": "
		"\"enp1s0f0\", \"internal\": false, \"gateway4\": \"\", \"gateway6\": \"\", \"pool4\": \"\", \"pool6\": "
		"\"\", \"config\": {\"vlan\": 7, \"qos\": 0, \"vlan_proto\": 33024, \"spoofchk\": true, \"trust\": false, "
		"\"link_state_set\": false, \"link_state\": 0, \"rate_set\": false, \"min_tx_rate\": 0, \"max_tx_rate\": "
		"0, \"mtu\": 0, \"numvfs\": 0, \"vfs_set\": true, \"vfs\": \"0-1\", \"prefix\": \"eth\"}}], "
		"\"endpoints\": []}";
	struct state a, b;
	sr_error err = {0};
	char *text, *back;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	/* an old file: one PF, loaded as it is and written back the same */
	CHECK(state_from_json(old_v1, &b, &err) == 0);
	CHECK(b.net_count == 1);
	if (b.net_count == 1) {
		CHECK(b.nets[0].cfg.pf_count == 1 && b.nets[0].cfg.pf_policy == NET_PF_SPREAD);
		CHECK_STR_EQ(b.nets[0].pf_pci[0], "0000:01:00.0");
		CHECK_STR_EQ(b.nets[0].cfg.pf_spec[0], "enp1s0f0");
		CHECK(!b.nets[0].cfg.pf_vfs_set[0] && net_config_vf_allowed(&b.nets[0].cfg, 0, 1) &&
		      !net_config_vf_allowed(&b.nets[0].cfg, 0, 2));
	}
	text = state_to_json(&b);
	CHECK(text && !strstr(text, "\"pfs\"") && !strstr(text, "\"pf_policy\""));
	free(text);
	state_free(&b);
	memset(&b, 0, sizeof(b));

	build_state(&a);
	text = state_to_json(&a);
	CHECK(text && !strstr(text, "\"pfs\"") && !strstr(text, "\"pf_policy\""));
	free(text);
	/* three PFs, fill, the third with its own vfs */
	struct net_record *n = &a.nets[0];
	n->cfg.pf_count = 3;
	n->cfg.pf_policy = NET_PF_FILL;
	snprintf(n->pf_pci[1], sizeof(n->pf_pci[1]), "0000:01:00.1");
	snprintf(n->cfg.pf_spec[1], sizeof(n->cfg.pf_spec[1]), "0000:01:00.1");
	snprintf(n->pf_pci[2], sizeof(n->pf_pci[2]), "0000:02:00.0");
	snprintf(n->cfg.pf_spec[2], sizeof(n->cfg.pf_spec[2]), "ens2");
	n->cfg.pf_vfs_set[2] = true;
	CHECK(net_config_parse_vf_list("0-1,5", n->cfg.pf_vfs_mask[2], &err) == 0);
	/* one PF with its own vfs: the list, no policy */
	a.nets[1].cfg.pf_vfs_set[0] = true;
	CHECK(net_config_parse_vf_list("3", a.nets[1].cfg.pf_vfs_mask[0], &err) == 0);
	text = flat_json(state_to_json(&a));
	CHECK(text && strstr(text, "\"pfs\": [{\"pci\": \"0000:01:00.0\", \"spec\": \"enp1s0f0\"}, {\"pci\": "
				   "\"0000:01:00.1\", \"spec\": \"0000:01:00.1\"}, {\"pci\": \"0000:02:00.0\", \"spec\": "
				   "\"ens2\", \"vfs\": \"0-1,5\"}]"));
	CHECK(text && strstr(text, "\"pf_policy\": \"fill\"") && strstr(text, "\"pfs\": [{\"pci\": \"0000:01:00.0\", "
									   "\"spec\": \"enp1s0f0\", \"vfs\": \"3\"}]"));
	CHECK(text && state_from_json(text, &b, &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "  %s\n", err.msg);
	back = flat_json(state_to_json(&b));
	CHECK(text && back && !strcmp(text, back));
	if (b.net_count == 2) {
		const struct net_config *c = &b.nets[0].cfg;
		CHECK(c->pf_count == 3 && c->pf_policy == NET_PF_FILL);
		CHECK_STR_EQ(b.nets[0].pf_pci[2], "0000:02:00.0");
		CHECK_STR_EQ(c->pf_spec[2], "ens2");
		CHECK(!c->pf_vfs_set[0] && !c->pf_vfs_set[1] && c->pf_vfs_set[2]);
		CHECK(net_config_vf_allowed(c, 2, 5) && !net_config_vf_allowed(c, 2, 2));
		CHECK(net_config_vf_allowed(c, 1, 6) && !net_config_vf_allowed(c, 1, 5)); /* vfs 0-3,6 */
		CHECK(b.nets[1].cfg.pf_count == 1 && b.nets[1].cfg.pf_vfs_set[0]);
	}
	state_free(&b);
	free(back);
	if (text) {
		expect_corrupt(text, "\"pfs\": [{\"pci\": \"0000:01:00.0\", \"spec\": \"enp1s0f0\"}, {",
			       "\"pfs\": [{\"pci\": \"0000:09:00.0\", \"spec\": \"enp1s0f0\"}, {",
			       "pfs[0] (0000:09:00.0) is not its pf_pci/pf_spec (0000:01:00.0)");
		expect_corrupt(text, "\"pci\": \"0000:01:00.1\"", "\"pci\": \"0000:01:00.0\"",
			       "PF 0000:01:00.0 is listed twice in pfs");
		expect_corrupt(text, "\"vfs\": \"0-1,5\"", "\"vfs\": \"0-x\"", "pfs[2]: vfs '0-x'");
		expect_corrupt(text, "\"vfs\": \"0-1,5\"", "\"vfs\": 5", "pfs[2].vfs is not a string");
		expect_corrupt(text, "\"spec\": \"ens2\"", "\"spec\": \"\"", "pfs[2].spec missing, empty");
		expect_corrupt(text, "\"pf_policy\": \"fill\"", "\"pf_policy\": \"balance\"",
			       "config.pf_policy is not \"spread\" or \"fill\"");
		expect_corrupt(text, "\"pfs\": [{\"pci\": \"0000:01:00.0\", \"spec\": \"enp1s0f0\", \"vfs\": \"3\"}]",
			       "\"pfs\": []", "pfs is not a list of 1-8 PFs");
		expect_corrupt(text, "\"pfs\": [{\"pci\": \"0000:01:00.0\", \"spec\": \"enp1s0f0\", \"vfs\": \"3\"}]",
			       "\"pfs\": [7]", "pfs[0] is not an object");
	}
	free(text);
	state_free(&a);
}

static void test_passthrough_records(void)
{
	struct state a, b;
	sr_error err = {0};
	char *text, *bad;
	const uint8_t host_mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	build_state(&a);
	text = state_to_json(&a);
	CHECK(text && !strstr(text, "\"kind\"") && !strstr(text, "\"mode\""));
	free(text);
	a.nets[1].cfg.mode = NET_MODE_PASSTHROUGH;
	a.eps[1].passthrough = true;
	a.eps[1].vf = -1;
	snprintf(a.eps[1].network_id, sizeof(a.eps[1].network_id), "%s", NET_B);
	snprintf(a.eps[1].host.name, sizeof(a.eps[1].host.name), "enp2s0");
	memcpy(a.eps[1].host.mac, host_mac, 6);
	a.eps[1].host.mtu = 1400;
	a.eps[1].host.up = true;
	a.eps[1].phase = EP_RELEASED;
	text = state_to_json(&a);
	CHECK(text && strstr(text, "\"kind\": \"nic\"") && strstr(text, "\"mode\": \"passthrough\""));
	CHECK(text && state_from_json(text, &b, &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "  %s\n", err.msg);
	CHECK(b.ep_count == 2 && b.net_count == 2);
	if (b.ep_count == 2 && b.net_count == 2) {
		CHECK(b.nets[0].cfg.mode == NET_MODE_SRIOV && b.nets[1].cfg.mode == NET_MODE_PASSTHROUGH);
		CHECK(!b.eps[0].passthrough && b.eps[1].passthrough && b.eps[1].vf == -1);
		CHECK_STR_EQ(b.eps[1].host.name, "enp2s0");
		CHECK(!memcmp(b.eps[1].host.mac, host_mac, 6) && b.eps[1].host.mtu == 1400 && b.eps[1].host.up);
		CHECK(b.eps[1].phase == EP_RELEASED);
	}
	state_free(&b);
	/* host_nic=allow: the network says so, the endpoint's host settings hold the host's address
	 * and routes (a default route and one through a gateway) and read back the same */
	a.nets[1].cfg.host_nic_allow = true;
	CHECK(nlk_ip_parse("10.77.0.5/24", &a.eps[1].host.ip.addrs[0]) == 0);
	CHECK(nlk_ip_parse("fd00::5/64", &a.eps[1].host.ip.addrs[1]) == 0);
	a.eps[1].host.ip.addr_count = 2;
	CHECK(nlk_ip_parse("0.0.0.0/0", &a.eps[1].host.ip.routes[0].dst) == 0);
	CHECK(nlk_ip_parse("10.77.0.1", &a.eps[1].host.ip.routes[0].gateway) == 0);
	a.eps[1].host.ip.routes[0].table = 254;
	a.eps[1].host.ip.routes[0].priority = 50;
	a.eps[1].host.ip.routes[0].protocol = 4;
	a.eps[1].host.ip.route_count = 1;
	free(text);
	text = state_to_json(&a);
	CHECK(text && strstr(text, "\"host_nic\": \"allow\"") && strstr(text, "\"10.77.0.5/24\"") &&
	      strstr(text, "\"fd00::5/64\"") && strstr(text, "\"dst\": \"0.0.0.0/0\"") && strstr(text, "\"via\": \"10.77.0.1\""));
	memset(&b, 0, sizeof(b));
	CHECK(text && state_from_json(text, &b, &err) == 0 && b.ep_count == 2);
	if (b.ep_count == 2) {
		CHECK(b.nets[1].cfg.host_nic_allow && !b.nets[0].cfg.host_nic_allow);
		CHECK(!memcmp(&b.eps[1].host.ip, &a.eps[1].host.ip, sizeof(b.eps[1].host.ip)));
	}
	state_free(&b);
	a.nets[1].cfg.host_nic_allow = false;
	memset(&a.eps[1].host.ip, 0, sizeof(a.eps[1].host.ip));
	free(text);
	text = state_to_json(&a);
	CHECK(text && !strstr(text, "host_nic") && !strstr(text, "addresses") && !strstr(text, "routes"));
	/* a wrong kind, a kind without its host settings, an unknown mode: refused, named */
	bad = text ? strdup(text) : NULL;
	char *k = bad ? strstr(bad, "\"nic\"") : NULL;
	if (k)
		memcpy(k, "\"nix\"", 5);
	memset(&b, 0, sizeof(b));
	CHECK(bad && state_from_json(bad, &b, &err) == -1 && strstr(err.msg, "kind"));
	state_free(&b);
	free(bad);
	bad = text ? strdup(text) : NULL;
	k = bad ? strstr(bad, "\"passthrough\"") : NULL;
	if (k)
		memcpy(k, "\"passthroug_\"", 13);
	memset(&b, 0, sizeof(b));
	CHECK(bad && state_from_json(bad, &b, &err) == -1 && strstr(err.msg, "config.mode"));
	state_free(&b);
	free(bad);
	free(text);
	state_free(&a);
}

static void test_lookups(void)
{
	struct state st;
	memset(&st, 0, sizeof(st));
	build_state(&st);
	CHECK(state_find_net(&st, NET_B) == &st.nets[1]);
	CHECK(state_find_net(&st, "nope") == NULL);
	CHECK(state_find_ep(&st, EP_2) == &st.eps[1]);
	CHECK(state_find_ep(&st, NET_A) == NULL);
	CHECK(state_find_vf_owner(&st, "0000:01:00.0", 3) == &st.eps[0]);
	CHECK(state_find_vf_owner(&st, "0000:01:00.0", 5) == NULL);
	CHECK(state_find_vf_owner(&st, "0000:02:00.0", 3) == NULL);
	state_remove_ep(&st, EP_1);
	CHECK(st.ep_count == 1 && state_find_ep(&st, EP_1) == NULL && state_find_ep(&st, EP_2) != NULL);
	state_remove_ep(&st, EP_1); /* absent: no-op */
	CHECK(st.ep_count == 1);
	state_remove_net(&st, NET_A);
	CHECK(st.net_count == 1 && state_find_net(&st, NET_A) == NULL);
	CHECK_STR_EQ(st.nets[0].id, NET_B);
	/* Growth past the first allocation keeps every record. */
	for (int i = 0; i < 40; i++) {
		struct ep_record e;
		char id[80];
		snprintf(id, sizeof(id), "ep%02d", i);
		fill_ep(&e, id, NET_B, i);
		CHECK(state_add_ep(&st, &e, NULL) != NULL);
	}
	CHECK(st.ep_count == 41);
	CHECK(state_find_ep(&st, "ep39") != NULL && state_find_ep(&st, "ep39")->vf == 39);
	CHECK(state_find_vf_owner(&st, "0000:01:00.0", 20) == state_find_ep(&st, "ep20"));
	state_free(&st);
	CHECK(st.nets == NULL && st.eps == NULL && st.net_count == 0 && st.ep_count == 0);
}

/* Lookups only look: a save after any number of them writes only what changed (past the
 * number of touched records a save reads back, a marked record would be rewritten blind). */
static void test_lookups_write_nothing(void)
{
	enum { N = 100 };
	struct state st;
	sr_error err = {0};
	char dir[512], path[700], id[80];
	struct net_record n;
	static ino_t ino[N];
	struct stat sb;
	int same = 0;
	snprintf(dir, sizeof(dir), "%s/lookups", tmpdir);
	CHECK(state_open(dir, &st, &err) == 0);
	build_state(&st);
	for (int i = 0; i < N; i++) {
		struct ep_record e;
		snprintf(id, sizeof(id), "look%03d", i);
		fill_ep(&e, id, NET_B, 100 + i);
		e.phase = EP_READY;
		CHECK(state_add_ep(&st, &e, &err) != NULL);
	}
	CHECK(state_save(&st, &err) == 0);
	state_free(&st);
	CHECK(state_open(dir, &st, &err) == 0 && st.ep_count == N + 2);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/endpoints/look%03d.json", dir, i);
		CHECK(stat(path, &sb) == 0);
		ino[i] = sb.st_ino;
		snprintf(id, sizeof(id), "look%03d", i);
		const struct ep_record *e = state_find_ep(&st, id);
		CHECK(e && state_find_net(&st, e->network_id) && state_find_vf_owner(&st, e->pf_pci, e->vf) == e);
	}
	fill_net(&n, "cccc", 300); /* one change: its file alone is written */
	CHECK(state_add_net(&st, &n, &err) != NULL && state_save(&st, &err) == 0);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "%s/endpoints/look%03d.json", dir, i);
		same += stat(path, &sb) == 0 && sb.st_ino == ino[i];
	}
	CHECK(same == N);
	/* a get for change is saved */
	snprintf(id, sizeof(id), "look%03d", 7);
	state_ep_for_change(&st, id)->joined = !state_find_ep(&st, id)->joined;
	CHECK(state_save(&st, &err) == 0);
	snprintf(path, sizeof(path), "%s/endpoints/look%03d.json", dir, 7);
	CHECK(stat(path, &sb) == 0 && sb.st_ino != ino[7]);
	state_free(&st);
}

static void test_save_reopen(void)
{
	struct state a, b;
	sr_error err = {0};
	char dir[512], path[600], *before, *after, *ja, *jb;
	snprintf(dir, sizeof(dir), "%s/deep/state", tmpdir);
	snprintf(path, sizeof(path), "%s/state.json", dir);

	/* A missing dir is created (mkdir -p) and gives an empty state. */
	CHECK(state_open(dir, &a, &err) == 0);
	CHECK(a.net_count == 0 && a.ep_count == 0);
	CHECK(access(path, F_OK) < 0); /* nothing written until the first save */
	build_state(&a);
	CHECK(state_save(&a, &err) == 0);
	CHECK(access(path, F_OK) == 0);
	/* state.json (the marker), networks/, endpoints/; no .tmp left behind */
	CHECK(count_entries(dir) == 3);
	CHECK(sub_count(dir, "networks") == 2 && sub_count(dir, "endpoints") == 2);
	{
		struct stat sb;
		CHECK(stat(path, &sb) == 0 && (sb.st_mode & 077) == 0); /* private to root */
	}
	before = read_file(path);
	CHECK(state_open(dir, &b, &err) == 0);
	CHECK(b.net_count == 2 && b.ep_count == 2);
	ja = state_to_json(&a);
	jb = state_to_json(&b);
	CHECK_STR_EQ(ja, jb);
	/* Saving what was loaded gives the identical files: nothing rewritten. */
	{
		struct stat s1, s2;
		char ep_path[700];
		snprintf(ep_path, sizeof(ep_path), "%s/endpoints/%s.json", dir, EP_1);
		CHECK(stat(ep_path, &s1) == 0);
		CHECK(state_find_ep(&b, EP_1) != NULL); /* handed out, unchanged */
		CHECK(state_save(&b, &err) == 0);
		CHECK(stat(ep_path, &s2) == 0 && s1.st_ino == s2.st_ino);
	}
	after = read_file(path);
	CHECK_STR_EQ(before, after);
	CHECK(count_entries(dir) == 3);
	CHECK(sub_count(dir, "networks") == 2 && sub_count(dir, "endpoints") == 2);
	free(before);
	free(after);
	free(ja);
	free(jb);
	state_free(&b);

	/* A save into a dir that went away fails with a message and leaves no debris. */
	{
		struct state c = a;
		snprintf(c.dir, sizeof(c.dir), "%s/gone", tmpdir);
		state_touch_ep(&c, &c.eps[0]); /* something to write */
		c.eps[0].joined = !c.eps[0].joined;
		CHECK(state_save(&c, &err) == -1);
		CHECK(strstr(err.msg, "save state") != NULL);
		CHECK(c.dirty);
		c.eps[0].joined = !c.eps[0].joined;
	}
	/* A corrupt file makes state_open fail with the path in the message. */
	write_file(path, "{\"version\":1,");
	CHECK(state_open(dir, &b, &err) == -1);
	CHECK(strstr(err.msg, "load ") && strstr(err.msg, "state.json") && strstr(err.msg, "invalid JSON"));
	state_free(&b);
	state_free(&a);
	/* A state dir that is a file is an error, not a crash. */
	{
		char file_dir[512];
		snprintf(file_dir, sizeof(file_dir), "%s/plainfile", tmpdir);
		write_file(file_dir, "x");
		CHECK(state_open(file_dir, &b, &err) == -1);
		CHECK(err.msg[0] != '\0');
		state_free(&b);
	}
}

/* Replaces the first occurrence of from with to in a copy of text. */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	size_t n;
	char *out;
	if (!at)
		return NULL;
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	if (!out)
		return NULL;
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	return out;
}

static void expect_corrupt(const char *base, const char *from, const char *to, const char *want)
{
	struct state st;
	sr_error err = {0};
	char *text = replace(base, from, to);
	CHECK(text != NULL);
	if (!text) {
		fprintf(stderr, "  pattern '%s' not in the state JSON\n", from);
		return;
	}
	memset(&st, 0, sizeof(st));
	int rc = state_from_json(text, &st, &err);
	CHECK(rc == -1);
	CHECK(strstr(err.msg, want) != NULL);
	if (rc != -1 || !strstr(err.msg, want))
		fprintf(stderr, "  %s -> %s: wanted '%s', got rc %d '%s'\n", from, to, want, rc, err.msg);
	state_free(&st);
	free(text);
}

static void test_corrupt(void)
{
	struct state st;
	sr_error err = {0};
	char *base;
	memset(&st, 0, sizeof(st));
	build_state(&st);
	base = state_to_json(&st);
	state_free(&st);
	CHECK(base != NULL);
	if (!base)
		return;

	static const struct {
		const char *text, *want;
	} whole[] = {
		{"", "invalid JSON"},
		{"{", "invalid JSON"},
		{"[]", "not a version 1 state file"},
		{"null", "invalid JSON"},
		{"{}", "not a version 1 state file"},
		{"{\"version\":2,\"networks\":[],\"endpoints\":[]}", "not a version 1 state file"},
		{"{\"version\":\"1\",\"networks\":[],\"endpoints\":[]}", "not a version 1 state file"},
		{"{\"version\":1,\"networks\":{},\"endpoints\":[]}", "not a version 1 state file"},
		{"{\"version\":1,\"networks\":[]}", "not a version 1 state file"},
		{"{\"version\":1,\"version\":1,\"networks\":[],\"endpoints\":[]}", "invalid JSON"},
		{"{\"version\":1,\"networks\":[1],\"endpoints\":[]}", "network entry is not an object"},
		{"{\"version\":1,\"networks\":[{}],\"endpoints\":[]}", "network entry is not an object with a config"},
		{"{\"version\":1,\"networks\":[],\"endpoints\":[\"x\"]}", "endpoint entry is not an object"},
	};
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		memset(&st, 0, sizeof(st));
		sr_error_clear(&err);
		CHECK(state_from_json(whole[i].text, &st, &err) == -1);
		CHECK(strstr(err.msg, whole[i].want) != NULL);
		if (!strstr(err.msg, whole[i].want))
			fprintf(stderr, "  '%s': wanted '%s', got '%s'\n", whole[i].text, whole[i].want, err.msg);
		state_free(&st);
	}

	/* One field at a time: wrong type, missing, out of range, invalid content. */
	expect_corrupt(base, "\"vlan\": 100", "\"vlan\": \"100\"", "network: field vlan missing or not a number");
	expect_corrupt(base, "\"vlan\": 100", "\"vlan\": -1", "field vlan missing or not a number");
	expect_corrupt(base, "\"vlan\": 100", "\"vlan\": 1.5", "field vlan missing or not a number");
	expect_corrupt(base, "\"vlan\": 100", "\"vlam\": 100", "field vlan missing");
	expect_corrupt(base, "\"mtu\": 9000", "\"mtu\": 99999999999", "field mtu missing or not a number");
	expect_corrupt(base, "\"spoofchk\": false", "\"spoofchk\": 0", "field spoofchk missing or not a boolean");
	expect_corrupt(base, "\"internal\": true", "\"internal\": null", "field internal missing or not a boolean");
	expect_corrupt(base, "\"pf_pci\": \"0000:01:00.0\"", "\"pf_pci\": 7", "field pf_pci missing or not a string");
	expect_corrupt(base, "\"id\": \"" NET_A "\"", "\"id\": \"a/b\"", "network id 'a/b' is not valid");
	expect_corrupt(base, "\"id\": \"" NET_A "\"", "\"id\": \"\"", "network id '' is not valid");
	expect_corrupt(base, "\"id\": \"" EP_1 "\"", "\"id\": \"../x\"", "endpoint id '../x' is not valid");
	expect_corrupt(base, "\"prefix\": \"net\"", "\"prefix\": \"abcdefghijklmnopqrstuvwxyz\"",
		       "field prefix too long");
	expect_corrupt(base, "\"vfs\": \"0-3,6\"", "\"vfs\": \"0-3,x\"", "vfs '0-3,x'");
	expect_corrupt(base, "\"vfs\": \"0-3,6\"", "\"vfs\": \"999\"", "out of range");
	expect_corrupt(base, "\"mac\": \"02:42:0a:09:00:03\"", "\"mac\": \"02:42:0a:09:00\"",
		       "endpoint: field mac is not a MAC address");
	expect_corrupt(base, "\"mac\": \"00:00:00:00:00:00\"", "\"mac\": \"zz\"",
		       "saved VF settings: field mac is not a MAC address");
	expect_corrupt(base, "\"has_rate\": true", "\"has_rate\": \"yes\"", "saved VF settings: field has_rate");
	expect_corrupt(base, "\"joined\": true", "\"joined\": 1", "endpoint: field joined missing or not a boolean");
	expect_corrupt(base, "\"phase\": \"deleting\"", "\"phase\": \"bogus\"", "unknown phase 'bogus'");
	expect_corrupt(base, "\"phase\": \"ready\"", "\"phase\": 0", "endpoint: field phase missing or not a string");
	expect_corrupt(base, "\"vf\": 3", "\"vf\": -3", "endpoint: field vf missing or not a number");
	expect_corrupt(base, "\"network_id\": \"" NET_A "\"", "\"network_id\": \"cccc\"",
		       "endpoint " EP_1 " names unknown network cccc");
	free(base);
}

/* A state file that names the same network, endpoint or VF twice cannot have been written by us. */
static void test_duplicates_rejected(void)
{
	struct state st;
	sr_error err = {0};
	char *base, *text;
	memset(&st, 0, sizeof(st));
	build_state(&st);
	base = state_to_json(&st);
	state_free(&st);
	if (!base)
		return;
	/* network B renamed to A: two networks with one id */
	text = replace(base, "\"id\": \"" NET_B "\"", "\"id\": \"" NET_A "\"");
	if (text) {
		char *t2 = replace(text, "\"network_id\": \"" NET_B "\"", "\"network_id\": \"" NET_A "\"");
		memset(&st, 0, sizeof(st));
		CHECK(t2 && state_from_json(t2, &st, &err) == -1);
		CHECK(strstr(err.msg, NET_A) != NULL && strstr(err.msg, "twice") != NULL);
		state_free(&st);
		free(t2);
	}
	free(text);
	/* endpoint 2 renamed to 1 */
	text = replace(base, "\"id\": \"" EP_2 "\"", "\"id\": \"" EP_1 "\"");
	memset(&st, 0, sizeof(st));
	sr_error_clear(&err);
	CHECK(text && state_from_json(text, &st, &err) == -1);
	CHECK(strstr(err.msg, EP_1) != NULL && strstr(err.msg, "twice") != NULL);
	state_free(&st);
	free(text);
	/* endpoint 2 on endpoint 1's VF 3 */
	text = replace(base, "\"vf\": 4", "\"vf\": 3");
	memset(&st, 0, sizeof(st));
	sr_error_clear(&err);
	CHECK(text && state_from_json(text, &st, &err) == -1);
	CHECK(strstr(err.msg, "VF 3") != NULL);
	state_free(&st);
	free(text);
	free(base);
}

/* Each record is one file; a change writes only its record's file, a removal unlinks it. */
static void test_per_object_files(void)
{
	struct state st;
	sr_error err = {0};
	char dir[512], ep1[700], ep2[700], neta[700];
	struct stat b1, b2, bn, a1, a2, an;
	char *text;
	snprintf(dir, sizeof(dir), "%s/objects", tmpdir);
	snprintf(ep1, sizeof(ep1), "%s/endpoints/%s.json", dir, EP_1);
	snprintf(ep2, sizeof(ep2), "%s/endpoints/%s.json", dir, EP_2);
	snprintf(neta, sizeof(neta), "%s/networks/%s.json", dir, NET_A);
	CHECK(state_open(dir, &st, &err) == 0);
	build_state(&st);
	CHECK(state_save(&st, &err) == 0);
	text = read_file(ep1);
	CHECK(text && strstr(text, "\"id\": \"" EP_1 "\"") && strstr(text, "\"network_id\": \"" NET_A "\""));
	free(text);
	CHECK(stat(ep1, &b1) == 0 && stat(ep2, &b2) == 0 && stat(neta, &bn) == 0);
	/* Join-like change: only EP_1's file is replaced */
	state_ep_for_change(&st, EP_1)->joined = false;
	CHECK(state_save(&st, &err) == 0);
	CHECK(stat(ep1, &a1) == 0 && stat(ep2, &a2) == 0 && stat(neta, &an) == 0);
	CHECK(a1.st_ino != b1.st_ino && a2.st_ino == b2.st_ino && an.st_ino == bn.st_ino);
	CHECK(sub_count(dir, "endpoints") == 2); /* no .tmp left */
	/* a record changed in place through the array: state_touch_ep says so */
	st.eps[1].sandbox_seen = !st.eps[1].sandbox_seen;
	state_touch_ep(&st, &st.eps[1]);
	CHECK(state_save(&st, &err) == 0);
	CHECK(stat(ep2, &a2) == 0 && a2.st_ino != b2.st_ino);
	CHECK(stat(ep1, &b1) == 0 && b1.st_ino == a1.st_ino);
	/* a removal unlinks just that file */
	state_remove_ep(&st, EP_1);
	CHECK(state_save(&st, &err) == 0);
	CHECK(access(ep1, F_OK) < 0 && errno == ENOENT && access(ep2, F_OK) == 0);
	CHECK(stat(neta, &an) == 0 && an.st_ino == bn.st_ino);
	/* a network and its endpoint go in one save */
	state_remove_ep(&st, EP_2);
	state_remove_net(&st, NET_B);
	CHECK(state_save(&st, &err) == 0);
	CHECK(sub_count(dir, "endpoints") == 0 && sub_count(dir, "networks") == 1);
	state_free(&st);
	/* what is on disk is what memory said */
	CHECK(state_open(dir, &st, &err) == 0);
	CHECK(st.net_count == 1 && st.ep_count == 0 && state_find_net(&st, NET_A) && !st.dirty);
	state_free(&st);
}

/* What a crash or a hand leaves in the folders: stray .tmp files are removed; a torn,
 * misplaced, odd or missing file is refused with its name, never loaded as less state. */
static void test_crash_leftovers(void)
{
	struct state st;
	sr_error err = {0};
	char dir[512], path[700], aside[700], *good;
	snprintf(dir, sizeof(dir), "%s/leftovers", tmpdir);
	CHECK(state_open(dir, &st, &err) == 0);
	build_state(&st);
	CHECK(state_save(&st, &err) == 0);
	state_free(&st);
	/* a save interrupted before its rename: the old file holds, the .tmp goes */
	snprintf(path, sizeof(path), "%s/endpoints/%s.json.tmp", dir, EP_1);
	write_file(path, "{\"id\": \"half");
	snprintf(aside, sizeof(aside), "%s/networks/%s.json.tmp", dir, "cccc");
	write_file(aside, "");
	CHECK(state_open(dir, &st, &err) == 0 && st.ep_count == 2 && st.net_count == 2);
	CHECK(access(path, F_OK) < 0 && access(aside, F_OK) < 0);
	state_free(&st);
	/* a torn endpoint file (written by hand, or a disk that lied) */
	snprintf(path, sizeof(path), "%s/endpoints/%s.json", dir, EP_2);
	good = read_file(path);
	write_file(path, "{\"id\": \"" EP_2 "\", \"netw");
	CHECK(state_open(dir, &st, &err) == -1);
	CHECK(strstr(err.msg, path) && strstr(err.msg, "invalid JSON"));
	state_free(&st);
	/* a record in another record's file */
	snprintf(aside, sizeof(aside), "%s/endpoints/%s.json", dir, "3333");
	write_file(path, good ? good : "");
	CHECK(rename(path, aside) == 0);
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "is in the file of 3333"));
	state_free(&st);
	/* a symlink in its place (its target never read) */
	CHECK(symlink(aside, path) == 0);
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "is a symbolic link"));
	state_free(&st);
	CHECK(unlink(path) == 0 && rename(aside, path) == 0);
	/* an unexpected name */
	snprintf(aside, sizeof(aside), "%s/networks/README", dir);
	write_file(aside, "x");
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "README: unexpected entry"));
	state_free(&st);
	CHECK(unlink(aside) == 0);
	/* an endpoint whose network's file is gone */
	snprintf(path, sizeof(path), "%s/networks/%s.json", dir, NET_B);
	snprintf(aside, sizeof(aside), "%s/net-b.aside", dir);
	CHECK(rename(path, aside) == 0);
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "names unknown network " NET_B));
	state_free(&st);
	CHECK(rename(aside, path) == 0);
	/* the marker deleted while the folders hold records: refused, not an empty start */
	snprintf(path, sizeof(path), "%s/state.json", dir);
	snprintf(aside, sizeof(aside), "%s/state.json.aside", dir);
	CHECK(rename(path, aside) == 0);
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "state.json is missing but") &&
	      strstr(err.msg, "holds 2 records"));
	state_free(&st);
	CHECK(rename(aside, path) == 0);
	/* a folder the marker names, missing */
	snprintf(path, sizeof(path), "%s/endpoints", dir);
	snprintf(aside, sizeof(aside), "%s/endpoints.aside", dir);
	CHECK(rename(path, aside) == 0);
	CHECK(state_open(dir, &st, &err) == -1 && strstr(err.msg, "is missing"));
	state_free(&st);
	CHECK(rename(aside, path) == 0);
	CHECK(state_open(dir, &st, &err) == 0 && st.ep_count == 2);
	state_free(&st);
	free(good);
}

/* A state.json of the previous version (everything in one file) loads as it is and is
 * converted by the next flush: files written first, the marker last. Until that rename
 * the old file is the state, whatever an interrupted conversion left in the folders. */
static void test_convert_v1(void)
{
	struct state a, b;
	sr_error err = {0};
	char dir[512], path[700], stale[700], note[700], *v1, *ja, *jb, *marker;
	snprintf(dir, sizeof(dir), "%s/v1", tmpdir);
	snprintf(note, sizeof(note), "%s/state.json.converting", dir);
	CHECK(mkdir(dir, 0700) == 0);
	memset(&a, 0, sizeof(a));
	build_state(&a);
	v1 = state_to_json(&a);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	write_file(path, v1);
	/* a folder with a record the old file does not hold, and no conversion under way: written
	 * under a version 2 marker (an older state.json restored): refused, the record kept */
	snprintf(stale, sizeof(stale), "%s/endpoints", dir);
	CHECK(mkdir(stale, 0700) == 0);
	snprintf(stale, sizeof(stale), "%s/endpoints/%s.json", dir, "9999");
	write_file(stale, "{}");
	CHECK(state_open(dir, &b, &err) == -1);
	CHECK(strstr(err.msg, "state.json is a version 1 file") && strstr(err.msg, "holds 1 records") &&
	      strstr(err.msg, "/endpoints"));
	CHECK(access(stale, F_OK) == 0);
	/* the same left by an interrupted conversion (its note is there): replaced by this one */
	write_file(note, "");
	CHECK(state_open(dir, &b, &err) == 0);
	CHECK(b.loaded && b.dirty && b.net_count == 2 && b.ep_count == 2);
	ja = state_to_json(&a);
	jb = state_to_json(&b);
	CHECK(ja && jb && !strcmp(ja, jb));
	free(jb);
	/* still the old file until the flush */
	marker = read_file(path);
	CHECK(marker && !strcmp(marker, v1));
	free(marker);
	CHECK(state_flush(&b, &err) == 0 && !b.dirty);
	state_free(&b);
	CHECK(access(stale, F_OK) < 0 && access(note, F_OK) < 0);
	CHECK(sub_count(dir, "networks") == 2 && sub_count(dir, "endpoints") == 2);
	marker = read_file(path);
	CHECK(marker && strstr(marker, "\"version\": 2") && !strstr(marker, NET_A));
	free(marker);
	CHECK(state_open(dir, &b, &err) == 0 && !b.dirty);
	jb = state_to_json(&b);
	CHECK(jb && !strcmp(ja, jb));
	free(jb);
	state_free(&b);
	/* a finished conversion's note left by a crash after the marker's rename: removed at load */
	write_file(note, "");
	CHECK(state_open(dir, &b, &err) == 0 && access(note, F_OK) < 0);
	state_free(&b);

	/* a version 1 state.json whose networks/ is a symlink to a folder elsewhere: refused at
	 * start, nothing out there removed (the conversion never empties through a link) */
	snprintf(dir, sizeof(dir), "%s/v1link", tmpdir);
	CHECK(mkdir(dir, 0700) == 0);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	write_file(path, v1);
	snprintf(stale, sizeof(stale), "%s/elsewhere", tmpdir);
	CHECK(mkdir(stale, 0700) == 0);
	snprintf(note, sizeof(note), "%s/networks", dir);
	CHECK(symlink(stale, note) == 0);
	snprintf(stale, sizeof(stale), "%s/elsewhere/%s.json", tmpdir, NET_A);
	write_file(stale, "{}");
	CHECK(state_open(dir, &b, &err) == -1 && strstr(err.msg, "is a symbolic link"));
	memset(&b, 0, sizeof(b));
	build_state(&b);
	snprintf(b.dir, sizeof(b.dir), "%s", dir);
	b.layout = 1; /* as loaded from the version 1 file: the save converts */
	CHECK(state_save(&b, &err) == -1 && strstr(err.msg, "is a symbolic link"));
	CHECK(access(stale, F_OK) == 0);
	state_free(&b);
	free(ja);
	free(v1);
	state_free(&a);
}

/* A save that fails keeps every change pending (and undone changes unlinked) for the next. */
static void test_failed_save_pending(void)
{
	struct state st;
	sr_error err = {0};
	char dir[512], block[700], file[700];
	struct ep_record e;
	snprintf(dir, sizeof(dir), "%s/pending", tmpdir);
	CHECK(state_open(dir, &st, &err) == 0);
	build_state(&st);
	CHECK(state_save(&st, &err) == 0);
	/* a folder where the new endpoint's .tmp goes: the save fails, root or not */
	snprintf(block, sizeof(block), "%s/endpoints/%s.json.tmp", dir, "5555");
	snprintf(file, sizeof(file), "%s/endpoints/%s.json", dir, "5555");
	CHECK(mkdir(block, 0700) == 0);
	fill_ep(&e, "5555", NET_A, 9);
	CHECK(state_add_ep(&st, &e, &err) != NULL);
	CHECK(state_save(&st, &err) == -1 && st.dirty && strstr(err.msg, "save state"));
	/* the caller undoes it: the record goes, and stays gone on disk */
	state_remove_ep(&st, "5555");
	/* a delete Docker will not retry stays pending */
	state_remove_ep(&st, EP_2);
	CHECK(state_save(&st, &err) == 0 && !st.dirty);
	CHECK(access(file, F_OK) < 0);
	CHECK(rmdir(block) == 0);
	state_free(&st);
	CHECK(state_open(dir, &st, &err) == 0 && st.ep_count == 1 && state_find_ep(&st, EP_1));
	state_free(&st);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_state.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_released_phase();
	test_vf_identity_and_mtu();
	test_unjoined_clock();
	test_passthrough_records();
	test_multi_pf_records();
	test_lookups();
	test_lookups_write_nothing();
	test_save_reopen();
	test_corrupt();
	test_duplicates_rejected();
	test_per_object_files();
	test_crash_leftovers();
	test_convert_v1();
	test_failed_save_pending();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return check_summary("state");
}
