#include "status_table.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Accessors that tolerate a missing or mistyped member (the view comes over a socket). */
static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *dash(const char *s)
{
	return s[0] ? s : "-";
}

static long long num(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *onoff(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_true(v))
		return "on";
	if (json_is_false(v))
		return "off";
	return "-";
}

/* Docker's short form of an ID. */
static void short_id(const char *id, char out[13])
{
	snprintf(out, 13, "%.12s", id);
}

static void print_owner(FILE *out, const json_t *owner)
{
	char net[13], ep[13];
	if (!json_is_object(owner)) {
		fputs("free", out);
		return;
	}
	short_id(str(owner, "network"), net);
	short_id(str(owner, "endpoint"), ep);
	fprintf(out, "network %s endpoint %s", net, ep);
	if (!strcmp(str(owner, "phase"), "released")) { /* Docker is done with it; not back yet */
		fprintf(out, " released: %s", dash(str(owner, "pending")));
		return;
	}
	if (json_is_true(json_object_get(owner, "joined")))
		fprintf(out, " netns %s", dash(str(owner, "sandbox")));
	else
		fputs(" (not joined)", out);
	if (str(owner, "address4")[0])
		fprintf(out, " %s", str(owner, "address4"));
}

/* A NIC passed through whole: who has it, and what the host gets back. */
static void print_nic(FILE *out, const json_t *pf)
{
	const json_t *owner = json_object_get(pf, "owner");
	fprintf(out, "NIC %s (%s)  driver %s  link %s  passed through (mode=passthrough)\n", dash(str(pf, "name")),
		str(pf, "pci"), dash(str(pf, "driver")), str(pf, "link"));
	if (str(pf, "error")[0])
		fprintf(out, "  error: %s\n", str(pf, "error"));
	fputs("  owner: ", out);
	print_owner(out, owner);
	if (json_is_true(json_object_get(owner, "released")))
		fputs(" (deleted; the NIC has not come back yet)", out);
	if (json_is_object(owner))
		fprintf(out, "\n  given back as: %s MAC %s MTU %lld %s", dash(str(owner, "host_name")),
			dash(str(owner, "host_mac")), num(owner, "host_mtu"),
			json_is_true(json_object_get(owner, "host_up")) ? "up" : "down");
	fputc('\n', out);
}

/* 1536 -> "1.5 KiB"; under 1 KiB the exact count. */
static void human_bytes(const json_t *v, char *out, size_t size)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double x;
	size_t u = 0;
	if (!json_is_integer(v)) {
		snprintf(out, size, "-");
		return;
	}
	x = (double)json_integer_value(v);
	while (x >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%lld B", (long long)json_integer_value(v));
	else
		snprintf(out, size, "%.1f %s", x, units[u]);
}

/* 1234567 -> "1.2M"; under 10 000 the exact count. */
static void human_count(const json_t *v, char *out, size_t size)
{
	double x;
	if (!json_is_integer(v)) {
		snprintf(out, size, "-");
		return;
	}
	x = (double)json_integer_value(v);
	if (x < 10000)
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	else if (x < 1e6)
		snprintf(out, size, "%.1fk", x / 1e3);
	else if (x < 1e9)
		snprintf(out, size, "%.1fM", x / 1e6);
	else
		snprintf(out, size, "%.1fG", x / 1e9);
}

/* The PF's pool and its own link (status_traffic.h), when the daemon sent them. */
static void print_pool(FILE *out, const json_t *pf)
{
	const json_t *pool = json_object_get(pf, "pool");
	const json_t *speed = json_object_get(pf, "speed_mbps");
	if (!json_is_object(pool))
		return;
	fprintf(out, "  VFs in use %lld, free %lld, foreign %lld, unusable %lld", num(pool, "in_use"), num(pool, "free"),
		num(pool, "foreign"), num(pool, "unusable"));
	if (num(pool, "released"))
		fprintf(out, ", released (not home yet) %lld", num(pool, "released"));
	fprintf(out, "; link %s", json_is_true(json_object_get(pf, "carrier")) ? "carrier" : "no carrier");
	if (json_is_integer(speed))
		fprintf(out, ", speed %lld Mb/s", (long long)json_integer_value(speed));
	fputc('\n', out);
}

static void print_pf(FILE *out, const json_t *pf)
{
	size_t i;
	const json_t *vf;
	if (!strcmp(str(pf, "mode"), "passthrough")) {
		print_nic(out, pf);
		return;
	}
	fprintf(out, "PF %s (%s)  driver %s  link %s  VFs %lld/%lld\n", dash(str(pf, "name")), str(pf, "pci"),
		dash(str(pf, "driver")), str(pf, "link"), num(pf, "numvfs"), num(pf, "totalvfs"));
	if (str(pf, "error")[0])
		fprintf(out, "  error: %s\n", str(pf, "error"));
	print_pool(out, pf);
	fprintf(out, "  %-3s %-13s %-9s %-15s %-17s %-4s %-8s %-5s %s\n", "VF", "PCI", "DRIVER", "NETDEV", "MAC", "VLAN",
		"SPOOFCHK", "TRUST", "OWNER");
	json_array_foreach(json_object_get(pf, "vfs"), i, vf) {
		fprintf(out, "  %-3lld %-13s %-9s %-15s %-17s %-4lld %-8s %-5s ", num(vf, "vf"), dash(str(vf, "pci")),
			dash(str(vf, "driver")), dash(str(vf, "netdev")), dash(str(vf, "mac")), num(vf, "vlan"),
			onoff(vf, "spoofchk"), onoff(vf, "trust"));
		print_owner(out, json_object_get(vf, "owner"));
		if (str(vf, "error")[0])
			fprintf(out, "  [error: %s]", str(vf, "error"));
		fputc('\n', out);
	}
}

static void print_options(FILE *out, const json_t *options)
{
	const char *key;
	const json_t *v;
	const char *sep = "";
	json_object_foreach((json_t *)options, key, v) {
		fprintf(out, "%s%s=", sep, key);
		if (json_is_string(v))
			fputs(json_string_value(v), out);
		else if (json_is_integer(v))
			fprintf(out, "%lld", (long long)json_integer_value(v));
		else if (json_is_boolean(v))
			fputs(json_is_true(v) ? "on" : "off", out);
		sep = " ";
	}
}

/* A passthrough network's endpoint: the NIC itself, where it is now and what it goes back as
 * (its netdev is not on the host while a container has it: that is no fault). */
static void print_nic_endpoints(FILE *out, const json_t *n)
{
	size_t i;
	const json_t *ep;
	json_array_foreach(json_object_get(n, "endpoint_list"), i, ep) {
		const char *state = str(ep, "pf_state");
		char id[13];
		short_id(str(ep, "id"), id);
		fprintf(out, "    endpoint %s: NIC %s passed through, %s; given back as %s%s\n", id, str(ep, "pf_pci"),
			!strcmp(state, "ok")	       ? "its netdev on the host" :
			!strcmp(state, "no netdev") ? "its netdev in the container's namespace" :
							"PCI device gone",
			dash(str(ep, "host_name")),
			!strcmp(str(ep, "phase"), "released") ? " (deleted; restored when it comes back)" : "");
	}
}

/* A network over several PFs, or one whose PF is not there: each PF, and each endpoint whose VF
 * came from a PF that is not there (its VF cannot be read: no PF entry above shows it). */
static void print_network_pfs(FILE *out, const json_t *n)
{
	size_t i;
	const json_t *pf, *ep;
	const json_t *pfs = json_object_get(n, "pfs");
	bool all_ok = true;
	if (!strcmp(str(json_object_get(n, "options"), "mode"), "passthrough")) {
		print_nic_endpoints(out, n);
		return;
	}
	json_array_foreach(pfs, i, pf)
		all_ok = all_ok && !strcmp(str(pf, "state"), "ok");
	if (json_array_size(pfs) < 2 && all_ok)
		return;
	json_array_foreach(pfs, i, pf) {
		fprintf(out, "    PF %s (%s) netdev %s: %s, %lld endpoints", str(pf, "pf"), str(pf, "pci"),
			dash(str(pf, "name")), str(pf, "state"), num(pf, "endpoints"));
		if (str(pf, "vfs")[0])
			fprintf(out, ", vfs %s", str(pf, "vfs"));
		fputc('\n', out);
	}
	json_array_foreach(json_object_get(n, "endpoint_list"), i, ep) {
		char id[13];
		if (!strcmp(str(ep, "pf_state"), "ok"))
			continue;
		short_id(str(ep, "id"), id);
		fprintf(out, "    endpoint %s: VF %lld (%s) of PF %s: %s, VF state unknown\n", id, num(ep, "vf"),
			dash(str(ep, "vf_pci")), str(ep, "pf_pci"), str(ep, "pf_state"));
	}
}

static void print_networks(FILE *out, const json_t *nets)
{
	size_t i;
	const json_t *n;
	char id[13];
	fprintf(out, "NETWORKS\n  %-12s %-15s %-5s %-9s %-18s %s\n", "ID", "PF", "VLAN", "ENDPOINTS", "SUBNET",
		"OPTIONS");
	json_array_foreach(nets, i, n) {
		const json_t *options = json_object_get(n, "options");
		short_id(str(n, "id"), id);
		char vlan[8] = "-"; /* a passthrough network has none */
		if (json_object_get(options, "vlan"))
			snprintf(vlan, sizeof(vlan), "%lld", num(options, "vlan"));
		fprintf(out, "  %-12s %-15s %-5s %-9lld %-18s ", id, str(n, "pf"), vlan, num(n, "endpoints"),
			dash(str(n, "pool4")));
		print_options(out, options);
		if (json_is_true(json_object_get(n, "internal")))
			fputs(" internal", out);
		if (json_array_size(json_object_get(n, "pfs")) > 1)
			fprintf(out, " pf_policy=%s", str(n, "pf_policy"));
		fputc('\n', out);
		print_network_pfs(out, n);
	}
}

/* Endpoints Docker deleted whose device is not home yet: kept as the proof it is ours. */
static void print_released(FILE *out, const json_t *list)
{
	size_t i;
	const json_t *r;
	if (json_array_size(list) == 0)
		return;
	fputs("RELEASED (deleted by Docker; each record is the proof that its device is ours, kept until it is home "
	      "and reset)\n",
	      out);
	json_array_foreach(list, i, r) {
		char ep[13], net[13];
		short_id(str(r, "endpoint"), ep);
		short_id(str(r, "network"), net);
		if (!strcmp(str(r, "kind"), "nic"))
			fprintf(out, "  endpoint %s network %s%s: NIC %s, driver %s", ep, net,
				json_is_true(json_object_get(r, "network_deleted")) ? " (deleted)" : "", str(r, "pci"),
				dash(str(r, "driver")));
		else
			fprintf(out, "  endpoint %s network %s%s: VF %lld (%s) of PF %s, driver %s", ep, net,
				json_is_true(json_object_get(r, "network_deleted")) ? " (deleted)" : "", num(r, "vf"),
				str(r, "pci"), str(r, "pf_pci"), dash(str(r, "driver")));
		fprintf(out, "; waiting for %s\n", str(r, "waiting_for"));
	}
}

/* Each endpoint's traffic: bytes in binary units, packets and drops counted; where from. */
static void print_traffic(FILE *out, const json_t *nets)
{
	size_t i, j;
	const json_t *n, *ep;
	bool header = false;
	json_array_foreach(nets, i, n) {
		json_array_foreach(json_object_get(n, "endpoint_list"), j, ep) {
			const json_t *c = json_object_get(ep, "counters");
			const json_t *src = json_object_get(c, "source");
			char id[13], net[13], rb[24], tb[24], rp[16], tp[16], rd[16], td[16];
			if (!json_is_object(c))
				continue;
			if (!header) {
				fprintf(out, "ENDPOINT TRAFFIC\n  %-12s %-12s %-10s %-3s %10s %8s %10s %8s %7s %7s %s\n", "ENDPOINT",
					"NETWORK", "PF", "VF", "RX BYTES", "RX PKTS", "TX BYTES", "TX PKTS", "RX DROP",
					"TX DROP", "SOURCE");
				header = true;
			}
			short_id(str(ep, "id"), id);
			short_id(str(n, "id"), net);
			human_bytes(json_object_get(c, "rx_bytes"), rb, sizeof(rb));
			human_bytes(json_object_get(c, "tx_bytes"), tb, sizeof(tb));
			human_count(json_object_get(c, "rx_packets"), rp, sizeof(rp));
			human_count(json_object_get(c, "tx_packets"), tp, sizeof(tp));
			human_count(json_object_get(c, "rx_dropped"), rd, sizeof(rd));
			human_count(json_object_get(c, "tx_dropped"), td, sizeof(td));
			fprintf(out, "  %-12s %-12s %-10s %-3lld %10s %8s %10s %8s %7s %7s %s", id, net, dash(str(ep, "pf")),
				num(ep, "vf"), rb, rp, tb, tp, rd, td, str(src, "rx_packets"));
			if (strcmp(str(src, "rx_dropped"), str(src, "rx_packets")) != 0)
				fprintf(out, " (drops: %s)", str(src, "rx_dropped"));
			if (str(c, "netdev")[0])
				fprintf(out, " %s%s", str(c, "netdev"), json_is_true(json_object_get(c, "in_sandbox")) ? " in its sandbox" : "");
			fputc('\n', out);
		}
	}
}

void status_table_print(FILE *out, const json_t *view)
{
	size_t i;
	const json_t *pf;
	const json_t *pfs = json_object_get(view, "pfs");
	const json_t *nets = json_object_get(view, "networks");
	if (json_array_size(pfs) == 0)
		fputs("No PF in use: no sriov network exists yet (docker network create -d sriov -o pf_iface=PF ...)\n",
		      out);
	json_array_foreach(pfs, i, pf) {
		print_pf(out, pf);
		fputc('\n', out);
	}
	if (json_array_size(nets) > 0) {
		print_networks(out, nets);
		print_traffic(out, nets);
	}
	print_released(out, json_object_get(view, "released"));
}
