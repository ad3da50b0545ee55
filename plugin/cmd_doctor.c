#include <stdio.h>

#include "commands.h"

int cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "sriov-plugin doctor: not implemented yet\n");
	return 2;
}
