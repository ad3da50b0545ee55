/* sriov-plugin: the daemon, and the operator's commands around it.
 * Like wg(8): a table of subcommands, each in its own file; no subcommand = serve
 * (daemon/cmd_serve.c). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "daemon/cmd_serve.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} subcommands[] = {
	{"status", cmd_status, "show PFs, VFs, owners and networks, asking the running daemon"},
	{"doctor", cmd_doctor, "check this host for SR-IOV, IOMMU and VFIO readiness"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: sriov-plugin [OPTIONS]            serve Docker's network and IPAM plugin API\n"
		     "       sriov-plugin COMMAND [ARGS]\n"
		     "\n"
		     "Options:\n");
	cmd_serve_usage(out);
	fprintf(out, "\nCommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].description);
}

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] != '-') {
		for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
			if (!strcmp(argv[1], subcommands[i].name))
				return subcommands[i].fn(argc - 1, argv + 1);
		fprintf(stderr, "sriov-plugin: unknown command '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return cmd_serve(argc, argv, usage);
}
