/* sr_log: which stream each level goes to, journald's priority prefixes, and events (their
 * key=value line, and journald's native datagram with the fields). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../common/sr_log.h"
#include "check.h"

struct capture {
	char out_path[64], err_path[64];
	int saved_out, saved_err;
};

static void capture_begin(struct capture *c)
{
	int fo, fe;
	snprintf(c->out_path, sizeof(c->out_path), "/tmp/test_sr_log.out.XXXXXX");
	snprintf(c->err_path, sizeof(c->err_path), "/tmp/test_sr_log.err.XXXXXX");
	fo = mkstemp(c->out_path);
	fe = mkstemp(c->err_path);
	fflush(stdout);
	fflush(stderr);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	dup2(fo, 1);
	dup2(fe, 2);
	close(fo);
	close(fe);
}

static char *slurp(const char *path)
{
	static char bufs[2][16384];
	static int which;
	char *buf = bufs[which++ % 2];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(bufs[0]) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(path);
	return buf;
}

/* Ends the capture: *out and *err get what each stream received. */
static void capture_end(struct capture *c, char **out, char **err)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, 1);
	dup2(c->saved_err, 2);
	close(c->saved_out);
	close(c->saved_err);
	*out = slurp(c->out_path);
	*err = slurp(c->err_path);
}

static void test_streams_by_priority(void)
{
	struct sr_log log = {.level = SR_LOG_DEBUG};
	struct capture c;
	char *out, *err;
	capture_begin(&c);
	sr_log_msg(&log, SR_LOG_ERROR, "an error %d", 1);
	sr_log_msg(&log, SR_LOG_WARN, "a warning");
	sr_log_msg(&log, SR_LOG_INFO, "some information");
	sr_log_msg(&log, SR_LOG_DEBUG, "a detail");
	capture_end(&c, &out, &err);
	/* what dockerd files as level=error (a managed plugin's stderr) holds only these two */
	CHECK(strstr(err, " error an error 1\n") != NULL);
	CHECK(strstr(err, " warn a warning\n") != NULL);
	CHECK(strstr(err, "information") == NULL);
	CHECK(strstr(err, "detail") == NULL);
	CHECK(strstr(out, " info some information\n") != NULL);
	CHECK(strstr(out, " debug a detail\n") != NULL);
	CHECK(strstr(out, "error") == NULL && strstr(out, "warning") == NULL);
}

static void test_journald_prefixes_on_stderr(void)
{
	struct sr_log log = {.level = SR_LOG_INFO, .journald = true};
	struct capture c;
	char *out, *err;
	capture_begin(&c);
	sr_log_msg(&log, SR_LOG_ERROR, "bad");
	sr_log_msg(&log, SR_LOG_INFO, "fine");
	sr_log_msg(&log, SR_LOG_DEBUG, "dropped");
	capture_end(&c, &out, &err);
	CHECK_STR_EQ(err, "<3>bad\n<6>fine\n");
	CHECK_STR_EQ(out, "");
}

static const struct sr_log_field fields[] = {
	{"SRIOV_EVENT", "handed_out"},
	{"SRIOV_NETWORK", "n1"},
	{"SRIOV_ENDPOINT", "e1"},
	{"SRIOV_PF", "enp1s0"},
	{"SRIOV_VF", "3"},
};

static void test_event_line(void)
{
	struct sr_log log = {.level = SR_LOG_INFO};
	struct capture c;
	char *out, *err;
	capture_begin(&c);
	sr_log_event(&log, SR_LOG_INFO, fields, 5, "VF %d handed out", 3);
	sr_log_event(&log, SR_LOG_WARN, fields, 1, "lost");
	sr_log_event(&log, SR_LOG_DEBUG, fields, 1, "below the level");
	capture_end(&c, &out, &err);
	CHECK(strstr(out, " info VF 3 handed out event=handed_out network=n1 endpoint=e1 pf=enp1s0 vf=3\n") != NULL);
	CHECK(strstr(err, " warn lost event=handed_out\n") != NULL);
	CHECK(strstr(out, "below") == NULL && strstr(err, "below") == NULL);
}

static void test_event_to_journal(void)
{
	char path[] = "/tmp/test_sr_log.journal.XXXXXX", dgram[4096];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	struct sr_log log = {.level = SR_LOG_INFO, .journald = true};
	struct capture c;
	char *out, *err;
	ssize_t n;
	int fd = mkstemp(path);
	close(fd);
	unlink(path);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0);
	log.journal_socket = path;
	capture_begin(&c);
	sr_log_event(&log, SR_LOG_WARN, fields, 5, "VF 3 lost\nforged=1");
	capture_end(&c, &out, &err);
	n = recv(fd, dgram, sizeof(dgram) - 1, MSG_DONTWAIT);
	CHECK(n > 0);
	dgram[n > 0 ? n : 0] = '\0';
	/* every field a line of its own; a newline in the text cannot make a field of its own */
	CHECK(strstr(dgram, "MESSAGE=VF 3 lost\\x0aforged=1\n") == dgram);
	CHECK(strstr(dgram, "\nPRIORITY=4\n") != NULL);
	CHECK(strstr(dgram, "\nSYSLOG_IDENTIFIER=sriov-plugin\n") != NULL);
	CHECK(strstr(dgram, "\nSRIOV_VF=3\n") != NULL);
	CHECK(strstr(dgram, "\nSRIOV_NETWORK=n1\n") != NULL);
	CHECK(strstr(dgram, "\nSRIOV_ENDPOINT=e1\n") != NULL);
	CHECK(strstr(dgram, "\nSRIOV_PF=enp1s0\n") != NULL);
	CHECK(strstr(dgram, "\nforged=1") == NULL);
	CHECK_STR_EQ(out, "");
	CHECK_STR_EQ(err, ""); /* journald has it: no second copy on the stream */
	close(fd);
	unlink(path);

	/* journald's socket gone: the line with its fields on the stream, prefixed */
	capture_begin(&c);
	sr_log_event(&log, SR_LOG_INFO, fields + 4, 1, "VF 3 reset");
	capture_end(&c, &out, &err);
	CHECK_STR_EQ(err, "<6>VF 3 reset vf=3\n");
}

int main(void)
{
	test_streams_by_priority();
	test_journald_prefixes_on_stderr();
	test_event_line();
	test_event_to_journal();
	return check_summary("sr_log");
}
