#include <stdio.h>

#include "commands.h"

int cmd_status(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "sriov-plugin status: not implemented yet\n");
	return 2;
}
