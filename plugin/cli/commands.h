/* The operator's subcommands (each in its own file). */
#ifndef COMMANDS_H
#define COMMANDS_H

int cmd_status(int argc, char **argv);
int cmd_doctor(int argc, char **argv);

#endif
