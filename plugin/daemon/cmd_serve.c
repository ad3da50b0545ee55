/* cmd_serve: `sriov-plugin [OPTIONS]`, the daemon's command line: options into a
 * daemon_config, then daemon_run. main.c sends here whatever is not another command. */
#include "cmd_serve.h"

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/default_paths.h"
#include "daemon_run.h"
#include "metrics_server.h"

void cmd_serve_usage(FILE *out)
{
	fprintf(out,
		"  --socket PATH          Unix socket (default " SRIOV_DEFAULT_SOCKET ")\n"
		"  --socket-group GROUP   group owning the socket (default root); mode is 0660\n"
		"  --state-dir DIR        where networks, endpoints and pools are kept (default " SRIOV_DEFAULT_STATE_DIR ")\n"
		"  --sysfs DIR            sysfs root (default " SRIOV_DEFAULT_SYSFS ")\n"
		"  --log-level LEVEL      error|warn|info|debug (default info)\n"
		"  --reclaim-interval S   seconds between sweeps for stale endpoints (default 30, 0 = off)\n"
		"  --metrics-addr ADDR    serve Prometheus metrics at http://ADDR/metrics: HOST:PORT, :PORT (127.0.0.1)\n"
		"                         or unix:PATH (default: off)\n"
		"  --default-pools LIST   IPAM pools (CIDRs, comma-separated) handed out when a network names none\n"
		"  --init                 start with no saved state, moving state.json, ipam.json and their folders aside\n"
		"                         (<name>.abandoned-<time>); needed when one of them is missing\n"
		"  --no-journal           save each change into its record files directly (tmp, fsync, rename), not\n"
		"                         as one journal commit compacted in the background (benchmarks, debugging)\n"
		"  --fault-after-step N   debug: exit abruptly after N kernel steps (crash tests)\n"
		"  --fault-journal P[:N]  debug: exit abruptly the Nth time (default 1) the journal reaches point P:\n"
		"                         guard, torn, append, synced, switch, compact, compacted, spare, close\n"
		"  --test-hold-step STEP  test: endpoint operations wait at hold point STEP (create-chosen,\n"
		"                         create-reserved, create-recorded, join-claimed, delete-marked, sweep-statfs,\n"
		"                         sweep-restore) until DIR/release exists\n"
		"  --test-hold-dir DIR    test: where held operations say so (STEP.<endpoint>.vf<N>)\n"
		"  --test-clock-file FILE test: the wall clock reads as many seconds ahead as FILE says (read at\n"
		"                         each look; absent = 0): a clock stepped while running\n"
		"  --help, --version\n");
}

static int copy_arg(char *dst, size_t size, const char *value, const char *option)
{
	if (strlen(value) >= size) {
		fprintf(stderr, "sriov-plugin: %s: value longer than %zu bytes\n", option, size - 1);
		return -1;
	}
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

static int parse_int_arg(const char *value, const char *option, int min, int max, int *out)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end || v < min || v > max) {
		fprintf(stderr, "sriov-plugin: %s '%s': expected a number %d-%d\n", option, value, min, max);
		return -1;
	}
	*out = (int)v;
	return 0;
}

/* POINT or POINT:N (N >= 1, default 1). */
static int parse_fault_journal(const char *value, struct daemon_config *cfg)
{
	const char *colon = strchr(value, ':');
	size_t n = colon ? (size_t)(colon - value) : strlen(value);
	if (n == 0 || n >= sizeof(cfg->fault_journal)) {
		fprintf(stderr, "sriov-plugin: --fault-journal '%s': expected POINT or POINT:N\n", value);
		return -1;
	}
	memcpy(cfg->fault_journal, value, n);
	cfg->fault_journal[n] = '\0';
	cfg->fault_journal_count = 1;
	return colon ? parse_int_arg(colon + 1, "--fault-journal", 1, 1000000, &cfg->fault_journal_count) : 0;
}

/* The options that copy their text into a fixed-size field of the configuration. */
struct text_option {
	int letter;
	const char *name;
	char *dst;
	size_t size;
};

static const struct text_option *find_text_option(const struct text_option *t, size_t n, int letter)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].letter == letter)
			return &t[i];
	return NULL;
}

int cmd_serve(int argc, char **argv, void (*usage)(FILE *out))
{
	static const struct option options[] = {
		{"socket", required_argument, NULL, 's'},   {"state-dir", required_argument, NULL, 'd'},
		{"sysfs", required_argument, NULL, 'y'},    {"log-level", required_argument, NULL, 'l'},
		{"socket-group", required_argument, NULL, 'g'}, {"reclaim-interval", required_argument, NULL, 'r'},
		{"fault-after-step", required_argument, NULL, 'f'}, {"default-pools", required_argument, NULL, 'p'},
		{"test-hold-step", required_argument, NULL, 'H'}, {"test-hold-dir", required_argument, NULL, 'D'},
		{"test-clock-file", required_argument, NULL, 'C'},
		{"metrics-addr", required_argument, NULL, 'm'},
		{"no-journal", no_argument, NULL, 'J'},     {"fault-journal", required_argument, NULL, 'F'},
		{"init", no_argument, NULL, 'i'},           {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},        {NULL, 0, NULL, 0},
	};
	/* A journal file is read whole at compaction (4 MiB): with glibc's sliding threshold, the second
	 * such buffer comes from the heap and its pages stay in the RSS for good. Fixed, every large
	 * buffer is its own mapping, given back when freed. */
	if (mallopt(M_MMAP_THRESHOLD, 256 << 10) != 1)
		fprintf(stderr, "sriov-plugin: mallopt(M_MMAP_THRESHOLD) refused; large buffers may stay in the heap\n");
	struct daemon_config cfg = {
		.socket_path = SRIOV_DEFAULT_SOCKET,
		.state_dir = SRIOV_DEFAULT_STATE_DIR,
		.sysfs_root = SRIOV_DEFAULT_SYSFS,
		.reclaim_interval = 30,
	};
	const struct text_option texts[] = {
		{'s', "--socket", cfg.socket_path, sizeof(cfg.socket_path)},
		{'d', "--state-dir", cfg.state_dir, sizeof(cfg.state_dir)},
		{'y', "--sysfs", cfg.sysfs_root, sizeof(cfg.sysfs_root)},
		{'g', "--socket-group", cfg.socket_group, sizeof(cfg.socket_group)},
		{'p', "--default-pools", cfg.default_pools, sizeof(cfg.default_pools)},
		{'H', "--test-hold-step", cfg.hold_step, sizeof(cfg.hold_step)},
		{'D', "--test-hold-dir", cfg.hold_dir, sizeof(cfg.hold_dir)},
		{'C', "--test-clock-file", cfg.test_clock_file, sizeof(cfg.test_clock_file)},
		{'m', "--metrics-addr", cfg.metrics_addr, sizeof(cfg.metrics_addr)},
	};
	struct sr_log log = {.level = SR_LOG_INFO, .journald = getenv("JOURNAL_STREAM") != NULL};
	int opt;

	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		const struct text_option *text = find_text_option(texts, sizeof(texts) / sizeof(texts[0]), opt);
		int rc = 0;
		if (text) {
			if (copy_arg(text->dst, text->size, optarg, text->name) < 0)
				return 2;
			continue;
		}
		switch (opt) {
		case 'l':
			log.level = sr_log_level_parse(optarg);
			if (log.level < 0) {
				fprintf(stderr, "sriov-plugin: --log-level '%s': expected error, warn, info or debug\n",
					optarg);
				rc = -1;
			}
			break;
		case 'r':
			rc = parse_int_arg(optarg, "--reclaim-interval", 0, 86400, &cfg.reclaim_interval);
			break;
		case 'f':
			rc = parse_int_arg(optarg, "--fault-after-step", 0, 1000000, &cfg.fault_after_step);
			break;
		case 'i':
			cfg.init = true;
			break;
		case 'J':
			cfg.no_journal = true;
			break;
		case 'F':
			rc = parse_fault_journal(optarg, &cfg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("sriov-plugin %s\n", SRIOV_PLUGIN_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
		if (rc < 0)
			return 2;
	}
	if (cfg.hold_step[0] && !cfg.hold_dir[0]) {
		fprintf(stderr, "sriov-plugin: --test-hold-step needs --test-hold-dir\n");
		return 2;
	}
	if (cfg.metrics_addr[0]) {
		sr_error err = {0};
		if (metrics_addr_check(cfg.metrics_addr, &err) < 0) {
			fprintf(stderr, "sriov-plugin: %s\n", err.msg);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sriov-plugin: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	return daemon_run(&cfg, &log);
}
