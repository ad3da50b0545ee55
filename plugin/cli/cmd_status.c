/* sriov-plugin status [--json] [--socket PATH]: asks the running daemon for its
 * live view (POST /SriovPlugin.Status) and prints it as a table or as JSON. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../common/default_paths.h"
#include "commands.h"
#include "status_client.h"
#include "status_table.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: sriov-plugin status [--json] [--socket PATH]\n"
		     "Shows the PFs in use, each VF (driver, netdev, admin MAC, VLAN, spoof check, trust,\n"
		     "owner) and the networks, as the running daemon sees them now.\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"socket", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *socket_path = SRIOV_DEFAULT_SOCKET;
	bool as_json = false;
	sr_error err = {0};
	unsigned status = 0;
	char *body = NULL;
	json_t *view = NULL;
	json_error_t jerr;
	int opt, rc = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hjs:", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			as_json = true;
			break;
		case 's':
			socket_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sriov-plugin status: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (status_client_post(socket_path, "/SriovPlugin.Status", "{}", &status, &body, &err) < 0) {
		if (err.code == ENOENT || err.code == ECONNREFUSED)
			fprintf(stderr, "sriov-plugin is not running (no answer on %s)\n", socket_path);
		else
			fprintf(stderr, "sriov-plugin status: %s\n", err.msg);
		return 1;
	}
	view = json_loads(body, 0, &jerr);
	if (!view) {
		fprintf(stderr, "sriov-plugin status: the daemon's answer is not JSON (HTTP %u): %s\n", status,
			jerr.text);
		goto out;
	}
	if (status != 200) {
		const char *msg = json_string_value(json_object_get(view, "Err"));
		fprintf(stderr, "sriov-plugin status: the daemon answered HTTP %u: %s\n", status,
			msg ? msg : "(no message)");
		goto out;
	}
	if (as_json) {
		if (json_dumpf(view, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0)
			goto out;
		putchar('\n');
	} else {
		status_table_print(stdout, view);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	json_decref(view);
	free(body);
	return rc;
}
