/* sr_error: messages read outermost-first; a message too long keeps both ends (the context
 * and the kernel's reason), and a kind survives wrapping. */
#include <errno.h>
#include <string.h>

#include "../../common/sr_error.h"
#include "check.h"

static void test_wrap_short(void)
{
	sr_error err = {0};
	sr_error_set_errno(&err, EOPNOTSUPP, "set VF %d MAC", 3);
	sr_error_wrap(&err, "on %s", "enp1s0f0");
	CHECK_STR_EQ(err.msg, "on enp1s0f0: set VF 3 MAC: Operation not supported");
	CHECK(err.code == EOPNOTSUPP);
	CHECK(err.kind == SR_INTERNAL);
	sr_error_clear(&err);
	sr_error_wrap(&err, "context only");
	CHECK_STR_EQ(err.msg, "context only");
}

/* Wrapped again and again past the buffer: the kernel's reason is still the end of the message. */
static void test_wrap_long_keeps_reason(void)
{
	sr_error err = {0};
	char context[200];
	memset(context, 'c', sizeof(context) - 1);
	context[sizeof(context) - 1] = '\0';
	sr_error_set_errno(&err, EIO, "write sriov_numvfs");
	for (int i = 0; i < 6; i++)
		sr_error_wrap(&err, "step %d %s", i, context);
	CHECK(strlen(err.msg) <= SR_ERROR_MSG_MAX - 1);
	const char *reason = "Input/output error";
	size_t len = strlen(err.msg);
	CHECK(len > strlen(reason) && !strcmp(err.msg + len - strlen(reason), reason));
	CHECK(!strncmp(err.msg, "step 5 ccc", 10)); /* the outermost context still starts it */
	CHECK(strstr(err.msg, "...") != NULL);      /* and the cut is marked */
	CHECK(err.code == EIO);
}

/* A huge context with a short reason: the reason stays whole. */
static void test_wrap_huge_context(void)
{
	sr_error err = {0};
	char context[SR_ERROR_MSG_MAX + 100];
	memset(context, 'x', sizeof(context) - 1);
	context[sizeof(context) - 1] = '\0';
	sr_error_set(&err, ENOENT, "no such VF");
	sr_error_wrap(&err, "%s", context);
	size_t len = strlen(err.msg);
	CHECK(len == SR_ERROR_MSG_MAX - 1 - 3);
	CHECK(!strcmp(err.msg + len - strlen("...: no such VF"), "...: no such VF"));
}

static void test_kind(void)
{
	sr_error err = {0};
	sr_error_set_kind(&err, SR_NOT_FOUND, ENOENT, "network %s not found", "n1");
	sr_error_wrap(&err, "CreateEndpoint");
	CHECK(err.kind == SR_NOT_FOUND);
	CHECK_STR_EQ(err.msg, "CreateEndpoint: network n1 not found");
	sr_error_set(&err, EIO, "x"); /* a new error starts unclassified */
	CHECK(err.kind == SR_INTERNAL);
	CHECK(sr_error_kind(&err, SR_BUSY) == -1 && err.kind == SR_BUSY && err.code == EIO);
	sr_error_clear(&err);
	CHECK(err.kind == SR_INTERNAL && err.code == 0 && !err.msg[0]);
}

int main(void)
{
	test_wrap_short();
	test_wrap_long_keeps_reason();
	test_wrap_huge_context();
	test_kind();
	return check_summary("sr_error");
}
