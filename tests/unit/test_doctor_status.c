/* The `status` command's pieces without a daemon: the HTTP client over a Unix
 * socket (against a one-shot fake server), response parsing, and the table. */
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../plugin/cli/status_client.h"
#include "../../plugin/cli/status_table.h"
#include "check.h"

struct fake_server {
	int fd;
	const char *answer;
	char request[4096];
};

static void *serve_once(void *arg)
{
	struct fake_server *s = arg;
	size_t len = 0;
	int c = accept(s->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	/* Read the headers and the 2-byte body "{}". */
	while (len < sizeof(s->request) - 1) {
		ssize_t n = read(c, s->request + len, sizeof(s->request) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		s->request[len] = '\0';
		if (strstr(s->request, "\r\n\r\n{}"))
			break;
	}
	if (write(c, s->answer, strlen(s->answer)) < 0)
		perror("write");
	close(c);
	return NULL;
}

static int listen_at(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		perror("fake server");
		exit(2);
	}
	return fd;
}

static void test_client(const char *dir)
{
	char path[256];
	struct fake_server s = {0};
	pthread_t t;
	sr_error err = {0};
	unsigned status = 0;
	char *body = NULL;

	snprintf(path, sizeof(path), "%s/none.sock", dir);
	CHECK(status_client_post(path, "/SriovPlugin.Status", "{}", &status, &body, &err) == -1);
	CHECK(err.code == ENOENT);

	/* A socket file nobody listens on: ECONNREFUSED, the other "not running". */
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	close(listen_at(path));
	sr_error_clear(&err);
	CHECK(status_client_post(path, "/SriovPlugin.Status", "{}", &status, &body, &err) == -1);
	CHECK(err.code == ECONNREFUSED);

	snprintf(path, sizeof(path), "%s/d.sock", dir);
	s.fd = listen_at(path);
	s.answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"pfs\": []}";
	pthread_create(&t, NULL, serve_once, &s);
	CHECK(status_client_post(path, "/SriovPlugin.Status", "{}", &status, &body, &err) == 0);
	pthread_join(t, NULL);
	CHECK(status == 200);
	CHECK_STR_EQ(body, "{\"pfs\": []}");
	CHECK(strncmp(s.request, "POST /SriovPlugin.Status HTTP/1.1\r\n", 35) == 0);
	CHECK(strstr(s.request, "Content-Length: 2\r\n") != NULL);
	CHECK(strstr(s.request, "Connection: close\r\n") != NULL);
	free(body);
	body = NULL;

	/* Chunked, and an error status. */
	s.answer = "HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n"
		   "6\r\n{\"Err\"\r\n7\r\n:\"boom\"\r\n1\r\n}\r\n0\r\n\r\n";
	pthread_create(&t, NULL, serve_once, &s);
	CHECK(status_client_post(path, "/SriovPlugin.Status", "{}", &status, &body, &err) == 0);
	pthread_join(t, NULL);
	CHECK(status == 500);
	CHECK_STR_EQ(body, "{\"Err\":\"boom\"}");
	free(body);
	body = NULL;

	/* Not HTTP at all. */
	s.answer = "hello";
	pthread_create(&t, NULL, serve_once, &s);
	sr_error_clear(&err);
	CHECK(status_client_post(path, "/SriovPlugin.Status", "{}", &status, &body, &err) == -1);
	pthread_join(t, NULL);
	CHECK(err.code == EPROTO && strstr(err.msg, "not an HTTP response"));
	close(s.fd);
	unlink(path);
}

static void test_parse(void)
{
	char raw[] = "HTTP/1.1 404 Not Found\r\nX: y\r\n\r\n{}";
	char bad[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{}";
	unsigned status = 0;
	char *body = NULL;
	sr_error err = {0};
	CHECK(status_client_parse_response(raw, strlen(raw), &status, &body, &err) == 0);
	CHECK(status == 404);
	CHECK_STR_EQ(body, "{}");
	CHECK(status_client_parse_response(bad, strlen(bad), &status, &body, &err) == -1);
}

/* Chunk sizes come from the peer: one near ULONG_MAX must not wrap the length check. */
static void test_chunk_overflow(void)
{
	char huge[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "ffffffffffffffff\r\nab\r\n0\r\n\r\n";
	char wraps[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		       "fffffffffffffffe\r\nab\r\n0\r\n\r\n";
	char negative[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nab\r\n0\r\n\r\n";
	char short_chunk[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\r\n0\r\n\r\n";
	char good[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n";
	unsigned status = 0;
	char *body = NULL;
	sr_error err = {0};
	CHECK(status_client_parse_response(huge, strlen(huge), &status, &body, &err) == -1 && err.code == EPROTO);
	sr_error_clear(&err);
	CHECK(status_client_parse_response(wraps, strlen(wraps), &status, &body, &err) == -1 && err.code == EPROTO);
	sr_error_clear(&err);
	CHECK(status_client_parse_response(negative, strlen(negative), &status, &body, &err) == -1);
	sr_error_clear(&err);
	CHECK(status_client_parse_response(short_chunk, strlen(short_chunk), &status, &body, &err) == -1);
	sr_error_clear(&err);
	CHECK(status_client_parse_response(good, strlen(good), &status, &body, &err) == 0);
	CHECK_STR_EQ(body, "abc");
}

static void test_table(void)
{
	const char *view_text =
		"{\"version\":\"0.1.0\",\"pfs\":[{\"name\":\"enp1s0f0\",\"pci\":\"0000:01:00.0\",\"driver\":\"igb\","
		"\"link\":\"up\",\"numvfs\":2,\"totalvfs\":7,\"vfs\":["
		"{\"vf\":0,\"pci\":\"0000:01:10.0\",\"driver\":\"igbvf\",\"netdev\":\"\",\"mac\":\"02:00:00:00:00:01\","
		"\"vlan\":100,\"qos\":0,\"spoofchk\":true,\"trust\":false,\"owner\":{\"network\":"
		"\"aaaaaaaaaaaabbbbbbbb\",\"endpoint\":\"cccccccccccc1234\",\"sandbox\":\"/var/run/docker/netns/x1\","
		"\"joined\":true,\"address4\":\"10.1.0.2/24\",\"address6\":\"\"}},"
		"{\"vf\":1,\"pci\":\"0000:01:10.2\",\"driver\":\"igbvf\",\"netdev\":\"eth3\",\"mac\":\"00:00:00:00:00:00\","
		"\"vlan\":0,\"qos\":0,\"spoofchk\":null,\"trust\":null,\"owner\":null}]}],"
		"\"networks\":[{\"id\":\"aaaaaaaaaaaabbbbbbbb\",\"pf\":\"enp1s0f0\",\"pf_pci\":\"0000:01:00.0\","
		"\"internal\":true,\"pool4\":\"10.1.0.0/24\",\"gateway4\":\"\",\"pool6\":\"\",\"gateway6\":\"\","
		"\"endpoints\":1,\"options\":{\"vlan\":100,\"spoofchk\":true,\"prefix\":\"eth\"}}]}";
	json_error_t jerr;
	json_t *view = json_loads(view_text, JSON_PRESERVE_ORDER, &jerr);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	CHECK(view != NULL);
	status_table_print(out, view);
	fclose(out);
	CHECK(text && strstr(text, "PF enp1s0f0 (0000:01:00.0)  driver igb  link up  VFs 2/7\n"));
	CHECK(text && strstr(text, "  0   0000:01:10.0  igbvf     -               02:00:00:00:00:01 100  on       off   "
				   "network aaaaaaaaaaaa endpoint cccccccccccc netns /var/run/docker/netns/x1 "
				   "10.1.0.2/24\n"));
	CHECK(text && strstr(text, "  1   0000:01:10.2  igbvf     eth3            00:00:00:00:00:00 0    -        -     free\n"));
	CHECK(text && strstr(text, "  aaaaaaaaaaaa enp1s0f0        100   1         10.1.0.0/24        "
				   "vlan=100 spoofchk=on prefix=eth internal\n"));
	free(text);
	json_decref(view);

	/* A network over two PFs, one gone: each PF, and the endpoint whose PF is gone. */
	text = NULL;
	out = open_memstream(&text, &size);
	view = json_loads(
		"{\"pfs\":[],\"networks\":[{\"id\":\"dddddddddddd\",\"pf\":\"enp1s0f0\",\"pf_pci\":\"0000:01:00.0\","
		"\"pf_policy\":\"fill\",\"pfs\":[{\"pf\":\"enp1s0f0\",\"pci\":\"0000:01:00.0\",\"name\":\"enp1s0f0\","
		"\"state\":\"ok\",\"endpoints\":1},{\"pf\":\"enp1s0f1\",\"pci\":\"0000:01:00.1\",\"name\":\"\","
		"\"state\":\"gone\",\"endpoints\":1,\"vfs\":\"0-3\"}],\"internal\":false,\"pool4\":\"\",\"endpoints\":2,"
		"\"endpoint_list\":[{\"id\":\"eeeeeeeeeeee1\",\"pf\":\"enp1s0f0\",\"pf_pci\":\"0000:01:00.0\","
		"\"pf_state\":\"ok\",\"vf\":0,\"vf_pci\":\"0000:01:10.0\"},{\"id\":\"ffffffffffff1\",\"pf\":\"\","
		"\"pf_pci\":\"0000:01:00.1\",\"pf_state\":\"gone\",\"vf\":2,\"vf_pci\":\"0000:01:10.5\"}],"
		"\"options\":{\"vlan\":7}}]}",
		0, &jerr);
	CHECK(view != NULL);
	status_table_print(out, view);
	fclose(out);
	CHECK(text && strstr(text, " vlan=7 pf_policy=fill\n"));
	CHECK(text && strstr(text, "    PF enp1s0f0 (0000:01:00.0) netdev enp1s0f0: ok, 1 endpoints\n"));
	CHECK(text && strstr(text, "    PF enp1s0f1 (0000:01:00.1) netdev -: gone, 1 endpoints, vfs 0-3\n"));
	CHECK(text && strstr(text, "    endpoint ffffffffffff: VF 2 (0000:01:10.5) of PF 0000:01:00.1: gone, VF state unknown\n"));
	CHECK(text && !strstr(text, "endpoint eeeeeeeeeeee:"));
	free(text);
	json_decref(view);

	/* A passthrough network's endpoint is the NIC (in its container, or back), never "VF -1 ... VF
	 * state unknown"; a released record whose network is deleted is listed with what it waits for. */
	text = NULL;
	out = open_memstream(&text, &size);
	view = json_loads(
		"{\"pfs\":[],\"networks\":[{\"id\":\"pppppppppppp1\",\"pf\":\"enp2s0\",\"pf_pci\":\"0000:02:00.0\","
		"\"pfs\":[{\"pf\":\"enp2s0\",\"pci\":\"0000:02:00.0\",\"name\":\"\",\"state\":\"no netdev\","
		"\"endpoints\":1}],\"endpoints\":1,\"endpoint_list\":[{\"id\":\"nnnnnnnnnnnn1\",\"kind\":\"nic\","
		"\"pf\":\"\",\"pf_pci\":\"0000:02:00.0\",\"pf_state\":\"no netdev\",\"vf\":-1,"
		"\"vf_pci\":\"0000:02:00.0\",\"host_name\":\"enp2s0\",\"phase\":\"ready\"}],"
		"\"options\":{\"mode\":\"passthrough\",\"prefix\":\"eth\"}}],"
		"\"released\":[{\"endpoint\":\"rrrrrrrrrrrr1\",\"network\":\"gggggggggggg1\",\"network_deleted\":true,"
		"\"kind\":\"vf\",\"pf_pci\":\"0000:01:00.0\",\"vf\":5,\"pci\":\"0000:01:10.5\",\"driver\":\"vfio-pci\","
		"\"waiting_for\":\"the VF on its host driver\"}]}",
		0, &jerr);
	CHECK(view != NULL);
	status_table_print(out, view);
	fclose(out);
	CHECK(text && strstr(text, "    endpoint nnnnnnnnnnnn: NIC 0000:02:00.0 passed through, its netdev in the "
				   "container's namespace; given back as enp2s0\n"));
	CHECK(text && !strstr(text, "VF -1") && !strstr(text, "VF state unknown"));
	CHECK(text && strstr(text, "RELEASED ("));
	CHECK(text && strstr(text, "  endpoint rrrrrrrrrrrr network gggggggggggg (deleted): VF 5 (0000:01:10.5) of PF "
				   "0000:01:00.0, driver vfio-pci; waiting for the VF on its host driver\n"));
	if (text && !strstr(text, "RELEASED"))
		fputs(text, stderr);
	free(text);
	json_decref(view);

	/* An empty view says how to start. */
	text = NULL;
	out = open_memstream(&text, &size);
	view = json_loads("{\"pfs\":[],\"networks\":[]}", 0, &jerr);
	status_table_print(out, view);
	fclose(out);
	CHECK(text && strstr(text, "No PF in use"));
	free(text);
	json_decref(view);
}

int main(void)
{
	char dir[] = "/tmp/test_status.XXXXXX";
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_client(dir);
	test_parse();
	test_chunk_overflow();
	test_table();
	rmdir(dir);
	return check_summary("doctor_status");
}
