/* journal: commits replay after a reopen, compaction writes the record files and removes the
 * journal's, a torn or corrupt commit is dropped with a log line naming the file and offset
 * (everything before it kept), concurrent commits share fdatasyncs, a failed fdatasync refuses
 * the commits it covered and leaves nothing of them to replay, every fault point is reached.
 * fdatasync is interposed (this executable's definition wins over libc's for the library
 * linked into it): counted, and made to fail on demand. */
#include "../../common/journal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../common/atomic_file.h"
#include "../../common/crc32c.h"
#include "check.h"

static atomic_int fdatasync_calls, fdatasync_fail;

int fdatasync(int fd)
{
	atomic_fetch_add(&fdatasync_calls, 1);
	if (atomic_load(&fdatasync_fail) > 0) {
		atomic_fetch_sub(&fdatasync_fail, 1);
		errno = EIO;
		return -1;
	}
	return (int)syscall(SYS_fdatasync, fd);
}

static atomic_bool disk_full;

/* A full disk on demand: no block free. */
int statvfs(const char *path, struct statvfs *buf)
{
	int (*real)(const char *, struct statvfs *) = (int (*)(const char *, struct statvfs *))dlsym(RTLD_NEXT, "statvfs");
	int rc = real(path, buf);
	if (rc == 0 && atomic_load(&disk_full))
		buf->f_bfree = buf->f_bavail = 0;
	return rc;
}

static const char *const FOLDERS[] = {"networks", "endpoints", "pools", NULL};
static const char *const FILES[] = {"ipam.json", NULL};
static const char GUARD_ON[] = "{\"version\": 3}\n", GUARD_OFF[] = "{\"version\": 2}\n";
static char dir[40];
static struct sr_log quiet = {.level = SR_LOG_WARN};

/* the fault points reached, in order, space-separated */
static char points[4096];
static void record_point(void *ctx, const char *point)
{
	(void)ctx;
	if (strlen(points) + strlen(point) + 2 < sizeof(points)) {
		strcat(points, point);
		strcat(points, " ");
	}
}

static struct journal *open_journal(bool guard_on, bool faults)
{
	struct journal_config cfg = {.state_dir = dir, .folders = FOLDERS, .files = FILES, .guard = "state.json",
				     .guard_on = GUARD_ON, .guard_off = GUARD_OFF, .guard_is_on = guard_on,
				     .file_size = 256 * 1024, .log = &quiet, .fault = faults ? record_point : NULL};
	struct journal *j = NULL;
	sr_error err = {0};
	if (journal_open(&cfg, &j, &err) < 0)
		fprintf(stderr, "journal_open: %s\n", err.msg);
	return j;
}

static int put(struct journal *j, const char *path, const char *text)
{
	struct journal_txn t;
	sr_error err = {0};
	int rc;
	journal_txn_init(&t);
	journal_txn_add(&t, path, text);
	rc = journal_commit(j, &t, &err);
	journal_txn_free(&t);
	return rc;
}

static const char *image_of(struct journal *j, const char *folder, const char *id)
{
	const struct obj_dir_image *im;
	size_t n;
	journal_folder_images(j, folder, &im, &n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(im[i].id, id))
			return im[i].text ? im[i].text : "(removed)";
	return NULL;
}

static char *slurp(const char *name)
{
	char path[256], *data = NULL;
	size_t len;
	sr_error err = {0};
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return atomic_file_read(path, &data, &len, &err) < 0 ? NULL : data;
}

/* The journal's <epoch>.log files, sorted by name length then name (epochs are small). */
static int log_files(char names[][64], int max)
{
	char jdir[128];
	DIR *dp;
	struct dirent *de;
	int n = 0;
	snprintf(jdir, sizeof(jdir), "%s/journal", dir);
	dp = opendir(jdir);
	while (dp && (de = readdir(dp)) && n < max)
		if (strstr(de->d_name, ".log") && !strchr(strstr(de->d_name, ".log") + 1, '.'))
			snprintf(names[n++], 64, "%.60s", de->d_name);
	if (dp)
		closedir(dp);
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			if (strlen(names[b]) < strlen(names[a]) ||
			    (strlen(names[b]) == strlen(names[a]) && strcmp(names[b], names[a]) < 0)) {
				char t[64];
				memcpy(t, names[a], 64);
				memcpy(names[a], names[b], 64);
				memcpy(names[b], t, 64);
			}
	return n;
}

static void reset_dir(void)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s/networks %s/endpoints %s/pools", dir, dir, dir, dir);
	CHECK(system(cmd) == 0);
}

/* stderr into a file while fn runs; its text returned (free it) */
static char *capture_stderr(struct journal **out, bool guard_on)
{
	char path[128];
	int saved = dup(2), fd;
	snprintf(path, sizeof(path), "%s.stderr", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fflush(stderr);
	dup2(fd, 2);
	close(fd);
	*out = open_journal(guard_on, false);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	char *text = NULL;
	size_t len;
	atomic_file_read(path, &text, &len, NULL);
	unlink(path);
	return text;
}

static void test_replay_and_compaction(void)
{
	struct journal *j;
	struct journal_txn t;
	sr_error err = {0};
	char *text;
	reset_dir();
	j = open_journal(false, false);
	CHECK(j && journal_replayed(j) == 0);
	/* one commit, three records */
	journal_txn_init(&t);
	journal_txn_add(&t, "networks/n1.json", "{\"id\": \"n1\"}\n");
	journal_txn_add(&t, "pools/p1.json", "{\"id\": \"p1\"}\n");
	journal_txn_add(&t, "ipam.json", "{\"next_id\": 2}\n");
	CHECK(journal_commit(j, &t, &err) == 0);
	journal_txn_free(&t);
	text = slurp("state.json");
	CHECK_STR_EQ(text, GUARD_ON); /* before the first commit */
	free(text);
	CHECK(put(j, "networks/n1.json", "{\"id\": \"n1\", \"v\": 2}\n") == 0);
	CHECK(put(j, "endpoints/e1.json", "{\"id\": \"e1\"}\n") == 0);
	CHECK(put(j, "endpoints/e1.json", NULL) == 0);
	CHECK(journal_pending(j) == 4);
	/* a path that names no record's file is refused, never written */
	CHECK(put(j, "networks/../x.json", "{}") < 0);
	CHECK(put(j, "other/x.json", "{}") < 0);
	/* not compacted: a reopen (a crash) replays them */
	journal_free(j);
	j = open_journal(true, false);
	CHECK(j && journal_replayed(j) == 4);
	CHECK_STR_EQ(image_of(j, "networks", "n1"), "{\"id\": \"n1\", \"v\": 2}\n");
	CHECK_STR_EQ(image_of(j, "pools", "p1"), "{\"id\": \"p1\"}\n");
	CHECK_STR_EQ(image_of(j, "endpoints", "e1"), "(removed)");
	CHECK_STR_EQ(journal_file_image(j, "ipam.json"), "{\"next_id\": 2}\n");
	CHECK(slurp("networks/n1.json") == NULL); /* the record files are untouched until compaction */
	journal_images_free(j);
	/* compaction: the record files say it all, the journal holds nothing */
	CHECK(journal_maintain(j, true, &err) == 0);
	text = slurp("networks/n1.json");
	CHECK_STR_EQ(text, "{\"id\": \"n1\", \"v\": 2}\n");
	free(text);
	text = slurp("ipam.json");
	CHECK_STR_EQ(text, "{\"next_id\": 2}\n");
	free(text);
	CHECK(access("/nonexistent", F_OK) < 0);
	CHECK(journal_pending(j) == 0);
	/* a record written again after compaction, then a clean close: guard back to off */
	CHECK(put(j, "networks/n2.json", "{\"id\": \"n2\"}\n") == 0);
	CHECK(journal_close(j, &err) == 0);
	journal_free(j);
	text = slurp("state.json");
	CHECK_STR_EQ(text, GUARD_OFF);
	free(text);
	text = slurp("networks/n2.json");
	CHECK_STR_EQ(text, "{\"id\": \"n2\"}\n");
	free(text);
	/* at most an empty file left for the next run; a run without commits replays nothing and
	 * changes no file */
	char names[8][64], again[8][64];
	int n = log_files(names, 8);
	CHECK(n <= 1);
	j = open_journal(false, false);
	CHECK(j && journal_replayed(j) == 0);
	CHECK(journal_maintain(j, false, &err) == 0);
	CHECK(journal_close(j, &err) == 0);
	journal_free(j);
	CHECK(log_files(again, 8) == n && (n == 0 || !strcmp(names[0], again[0])));
}

/* Three commits in one file; returns the offsets of the second and third. */
static void three_commits(uint64_t *second, uint64_t *third, char *file, size_t size)
{
	struct journal *j;
	char names[8][64];
	struct stat sb;
	reset_dir();
	j = open_journal(false, false);
	CHECK(put(j, "networks/a.json", "{\"a\": 1}") == 0);
	CHECK(put(j, "networks/b.json", "{\"b\": 1}") == 0);
	CHECK(put(j, "networks/c.json", "{\"c\": 1}") == 0);
	journal_free(j); /* a crash: nothing compacted */
	CHECK(log_files(names, 8) == 1);
	snprintf(file, size, "%s/journal/%s", dir, names[0]);
	CHECK(stat(file, &sb) == 0);
	/* each commit: 24-byte head + 8-byte entry head + path + text, padded to 8 */
	*second = JOURNAL_HEADER_SIZE + ((24 + 8 + strlen("networks/a.json") + strlen("{\"a\": 1}") + 7) & ~7u);
	*third = *second + ((24 + 8 + strlen("networks/b.json") + strlen("{\"b\": 1}") + 7) & ~7u);
}

static void test_torn_tail(void)
{
	uint64_t second, third;
	char file[256], want[320];
	struct journal *j;
	char *log;
	sr_error err = {0};
	three_commits(&second, &third, file, sizeof(file));
	/* the last commit cut in the middle (what a power cut mid-write leaves) */
	int fd = open(file, O_WRONLY);
	static const unsigned char zeros[64];
	CHECK(fd >= 0 && pwrite(fd, zeros, sizeof(zeros), (off_t)third + 20) == (ssize_t)sizeof(zeros));
	close(fd);
	log = capture_stderr(&j, true);
	CHECK(j && journal_replayed(j) == 2);
	snprintf(want, sizeof(want), "journal %s: torn or corrupt tail at offset %llu", file, (unsigned long long)third);
	CHECK(log && strstr(log, want));
	CHECK(log && strstr(log, "the 2 commits before it are kept"));
	if (!log || !strstr(log, want))
		fprintf(stderr, "log was: %s\n", log ? log : "(none)");
	free(log);
	CHECK(image_of(j, "networks", "a") && image_of(j, "networks", "b") && !image_of(j, "networks", "c"));
	/* the damaged file takes no more appends: a new one does, after it */
	CHECK(put(j, "networks/d.json", "{\"d\": 1}") == 0);
	journal_free(j);
	j = open_journal(true, false);
	CHECK(j && journal_replayed(j) == 3 && image_of(j, "networks", "d"));
	CHECK(journal_maintain(j, true, &err) == 0);
	CHECK(journal_pending(j) == 0);
	char *d = slurp("networks/d.json"), *b = slurp("networks/b.json"), *c = slurp("networks/c.json");
	CHECK(d && b && !c);
	free(d);
	free(b);
	free(c);
	CHECK(access(file, F_OK) < 0); /* a torn tail: compacted and removed */
	journal_free(j);
}

/* Zeros where the next commit would start, data further on: a torn write whose head never
 * landed (or damage), not a clean end. */
static void test_data_after_end(void)
{
	uint64_t second, third, end;
	char file[256], want[400];
	struct journal *j;
	char *log;
	three_commits(&second, &third, file, sizeof(file));
	end = third + ((24 + 8 + strlen("networks/c.json") + strlen("{\"c\": 1}") + 7) & ~7u);
	int fd = open(file, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "garbage", 7, (off_t)end + 100) == 7);
	close(fd);
	log = capture_stderr(&j, true);
	CHECK(j && journal_replayed(j) == 3);
	snprintf(want, sizeof(want), "journal %s: torn or corrupt tail at offset %llu (no commit there, but data after it)",
		 file, (unsigned long long)end);
	CHECK(log && strstr(log, want));
	if (!log || !strstr(log, want))
		fprintf(stderr, "log was: %s\n", log ? log : "(none)");
	free(log);
	/* not appended to: the next commit goes to a new file */
	CHECK(put(j, "networks/d.json", "{}") == 0);
	char names[8][64];
	CHECK(log_files(names, 8) == 2);
	journal_free(j);
}

static void test_corrupt_middle(void)
{
	uint64_t second, third;
	char file[256], want[320], kept[300];
	struct journal *j;
	char *log;
	sr_error err = {0};
	three_commits(&second, &third, file, sizeof(file));
	/* one bit of the second commit's text flipped */
	int fd = open(file, O_RDWR);
	unsigned char byte;
	CHECK(fd >= 0 && pread(fd, &byte, 1, (off_t)third - 3) == 1);
	byte ^= 0x10;
	CHECK(pwrite(fd, &byte, 1, (off_t)third - 3) == 1);
	close(fd);
	log = capture_stderr(&j, true);
	CHECK(j && journal_replayed(j) == 1);
	snprintf(want, sizeof(want), "journal %s: commit at offset %llu is corrupt (checksum mismatch", file,
		 (unsigned long long)second);
	CHECK(log && strstr(log, want));
	CHECK(log && strstr(log, "1 later commits of this file"));
	if (!log || !strstr(log, want))
		fprintf(stderr, "log was: %s\n", log ? log : "(none)");
	free(log);
	CHECK(image_of(j, "networks", "a") && !image_of(j, "networks", "b") && !image_of(j, "networks", "c"));
	CHECK(journal_maintain(j, true, &err) == 0);
	snprintf(kept, sizeof(kept), "%s.damaged", file);
	CHECK(access(file, F_OK) < 0 && access(kept, F_OK) == 0); /* kept for inspection */
	journal_free(j);
	/* the kept file is not read again */
	j = open_journal(true, false);
	CHECK(j && journal_replayed(j) == 0);
	journal_free(j);
}

static void test_damaged_header_refused(void)
{
	uint64_t second, third;
	char file[256];
	struct journal *j = NULL;
	struct journal_config cfg = {.state_dir = dir, .folders = FOLDERS, .files = FILES, .guard = "state.json",
				     .guard_on = GUARD_ON, .guard_off = GUARD_OFF};
	sr_error err = {0};
	three_commits(&second, &third, file, sizeof(file));
	int fd = open(file, O_WRONLY);
	CHECK(fd >= 0 && pwrite(fd, "X", 1, 20) == 1);
	close(fd);
	CHECK(journal_open(&cfg, &j, &err) < 0 && !j);
	CHECK(strstr(err.msg, file) && strstr(err.msg, "header checksum mismatch"));
	/* an unexpected name in journal/ */
	reset_dir();
	char path[128];
	snprintf(path, sizeof(path), "%s/journal", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/journal/notes.txt", dir);
	CHECK(atomic_file_write(path, "x", 1, NULL) == 0);
	CHECK(journal_open(&cfg, &j, &err) < 0 && strstr(err.msg, "unexpected entry"));
}

struct worker {
	struct journal *j;
	int index, failures;
};

#define THREADS 8
#define PER_THREAD 40

static void *commit_many(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		char path[64], text[64];
		snprintf(path, sizeof(path), "endpoints/t%d-%d.json", w->index, i);
		snprintf(text, sizeof(text), "{\"t\": %d, \"i\": %d}", w->index, i);
		if (put(w->j, path, text) < 0)
			w->failures++;
	}
	return NULL;
}

static void *maintain_loop(void *arg)
{
	struct worker *w = arg;
	sr_error err = {0};
	for (int i = 0; i < 30; i++) {
		if (journal_maintain(w->j, i % 3 == 0, &err) < 0)
			w->failures++;
		usleep(2000);
	}
	return NULL;
}

static void test_group_commit(void)
{
	struct journal *j;
	struct worker w[THREADS + 1];
	pthread_t th[THREADS + 1];
	struct journal_stats st;
	sr_error err = {0};
	reset_dir();
	j = open_journal(false, false);
	CHECK(put(j, "networks/first.json", "{}") == 0); /* the guard and the first file, out of the way */
	for (int i = 0; i <= THREADS; i++) {
		w[i] = (struct worker){j, i, 0};
		pthread_create(&th[i], NULL, i == THREADS ? maintain_loop : commit_many, &w[i]);
	}
	for (int i = 0; i <= THREADS; i++) {
		pthread_join(th[i], NULL);
		CHECK(w[i].failures == 0);
	}
	journal_get_stats(j, &st);
	CHECK(st.commits == THREADS * PER_THREAD + 1);
	/* commits arriving while a sync runs share the next one */
	CHECK(st.syncs < st.commits);
	printf("group commit: %llu commits, %llu fdatasyncs, %llu files retired\n", (unsigned long long)st.commits,
	       (unsigned long long)st.syncs, (unsigned long long)st.switches);
	journal_free(j); /* a crash: whatever is compacted is in files, the rest replays */
	j = open_journal(true, false);
	CHECK(journal_maintain(j, true, &err) == 0);
	int found = 0;
	for (int t = 0; t < THREADS; t++)
		for (int i = 0; i < PER_THREAD; i++) {
			char name[64], want[64], *text;
			snprintf(name, sizeof(name), "endpoints/t%d-%d.json", t, i);
			snprintf(want, sizeof(want), "{\"t\": %d, \"i\": %d}", t, i);
			text = slurp(name);
			found += text && !strcmp(text, want);
			free(text);
		}
	CHECK(found == THREADS * PER_THREAD);
	journal_free(j);
}

static void test_failed_sync(void)
{
	struct journal *j;
	char *text;
	sr_error err = {0};
	reset_dir();
	j = open_journal(false, false);
	CHECK(put(j, "networks/kept.json", "{\"kept\": 1}") == 0);
	/* the sync of the next commit fails: refused, and wiped so that no replay brings it back */
	atomic_store(&fdatasync_fail, 1);
	CHECK(put(j, "networks/lost.json", "{\"lost\": 1}") < 0);
	CHECK(put(j, "networks/after.json", "{\"after\": 1}") == 0);
	journal_free(j);
	j = open_journal(true, false);
	CHECK(j && journal_replayed(j) == 2);
	CHECK(image_of(j, "networks", "kept") && image_of(j, "networks", "after") && !image_of(j, "networks", "lost"));
	CHECK(journal_maintain(j, true, &err) == 0);
	text = slurp("networks/lost.json");
	CHECK(text == NULL);
	free(text);
	journal_free(j);
}

static void test_full_disk_rule(void)
{
	struct journal *j;
	struct journal_txn t;
	sr_error err = {0};
	char *text;
	reset_dir();
	j = open_journal(false, false);
	CHECK(put(j, "pools/old.json", "{\"old\": 1}") == 0);
	CHECK(journal_maintain(j, true, &err) == 0); /* pools/old.json is a file now */
	atomic_store(&disk_full, true);
	/* a put needs room for its file: refused, with the reason */
	CHECK(put(j, "networks/new.json", "{}") < 0);
	journal_txn_init(&t);
	journal_txn_add(&t, "networks/new.json", "{}");
	CHECK(journal_commit(j, &t, &err) < 0 && err.code == ENOSPC && strstr(err.msg, "No space left on device"));
	journal_txn_free(&t);
	/* a removal needs none; one that frees a file's blocks pays for a put of that size */
	CHECK(put(j, "networks/gone.json", NULL) == 0);
	journal_txn_init(&t);
	journal_txn_add(&t, "pools/old.json", NULL);
	journal_txn_add(&t, "ipam.json", "{\"next_id\": 9}");
	CHECK(journal_commit(j, &t, &err) == 0);
	journal_txn_free(&t);
	atomic_store(&disk_full, false);
	CHECK(journal_maintain(j, true, &err) == 0);
	text = slurp("pools/old.json");
	CHECK(text == NULL);
	free(text);
	text = slurp("ipam.json");
	CHECK_STR_EQ(text, "{\"next_id\": 9}");
	free(text);
	journal_free(j);
}

/* Compaction reuses its files: two of them (the active one and the spare) however many
 * switches, so the journal's room on disk does not come and go. */
static void test_files_reused(void)
{
	struct journal *j;
	sr_error err = {0};
	char names[8][64];
	struct journal_stats st;
	reset_dir();
	j = open_journal(false, false);
	for (int i = 0; i < 6; i++) {
		char path[64];
		snprintf(path, sizeof(path), "networks/r%d.json", i);
		CHECK(put(j, path, "{}") == 0);
		CHECK(journal_maintain(j, true, &err) == 0);
		CHECK(log_files(names, 8) <= 2);
	}
	journal_get_stats(j, &st);
	CHECK(st.switches >= 5 && st.compactions >= 5);
	CHECK(journal_close(j, &err) == 0);
	journal_free(j);
	CHECK(log_files(names, 8) == 1);
	j = open_journal(false, false);
	CHECK(j && journal_replayed(j) == 0);
	journal_free(j);
}

struct seen {
	char ids[8][16];
	char texts[8][16];
	int n;
};

static int see(void *ctx, const char *id, const char *path, const char *text, sr_error *err)
{
	struct seen *s = ctx;
	(void)path;
	(void)err;
	if (s->n < 8) {
		snprintf(s->ids[s->n], 16, "%s", id);
		snprintf(s->texts[s->n++], 16, "%s", text);
	}
	return 0;
}

/* Images replace, remove or add files, in ID order (not file-name order: "a-b" < "a.json"). */
static void test_load_over(void)
{
	char folder[128], path[160];
	struct seen s = {0};
	sr_error err = {0};
	const struct obj_dir_image images[] = {{"a", NULL, "j"}, {"a-b", "new a-b", "j"}, {"c", "new c", "j"}};
	reset_dir();
	snprintf(folder, sizeof(folder), "%s/networks", dir);
	snprintf(path, sizeof(path), "%s/a.json", folder);
	CHECK(atomic_file_write(path, "old a", 5, NULL) == 0);
	snprintf(path, sizeof(path), "%s/b.json", folder);
	CHECK(atomic_file_write(path, "old b", 5, NULL) == 0);
	snprintf(path, sizeof(path), "%s/c.json", folder);
	CHECK(atomic_file_write(path, "old c", 5, NULL) == 0);
	CHECK(obj_dir_load_over(folder, images, 3, see, &s, &err) == 0);
	CHECK(s.n == 3);
	CHECK_STR_EQ(s.ids[0], "a-b");
	CHECK_STR_EQ(s.texts[0], "new a-b");
	CHECK_STR_EQ(s.ids[1], "b");
	CHECK_STR_EQ(s.texts[1], "old b");
	CHECK_STR_EQ(s.ids[2], "c");
	CHECK_STR_EQ(s.texts[2], "new c");
}

static void test_fault_points(void)
{
	struct journal *j;
	sr_error err = {0};
	reset_dir();
	points[0] = '\0';
	j = open_journal(false, true);
	CHECK(put(j, "networks/f.json", "{}") == 0);
	CHECK(put(j, "pools/f.json", "{}") == 0);
	CHECK(journal_maintain(j, true, &err) == 0);
	CHECK(put(j, "networks/g.json", "{}") == 0);
	CHECK(journal_close(j, &err) == 0);
	journal_free(j);
	const char *want[] = {"guard", "spare", "torn", "append", "synced", "switch", "compact", "compacted", "close"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char needle[32];
		snprintf(needle, sizeof(needle), "%s ", want[i]);
		CHECK(strstr(points, needle) != NULL);
		if (!strstr(points, needle))
			fprintf(stderr, "fault point %s not reached: %s\n", want[i], points);
	}
}

static void test_format(void)
{
	struct journal_txn t;
	struct journal_commit c;
	struct journal_entry e;
	const char *why = NULL;
	size_t len, pos = 0;
	CHECK(crc32c(0, "123456789", 9) == 0xE3069283u);
	journal_txn_init(&t);
	CHECK(journal_txn_add(&t, "networks/x.json", "{}") == 0);
	CHECK(journal_txn_add(&t, "networks/y.json", NULL) == 0);
	len = journal_txn_finish(&t);
	journal_txn_seal(&t, 7);
	CHECK(len % 8 == 0 && len >= t.len);
	CHECK(journal_scan(t.buf, len, &c, &why) == JOURNAL_COMMIT && c.seq == 7 && c.entries == 2 && c.size == len);
	CHECK(journal_entry_next(&c, &pos, &e) == 1 && e.op == JOURNAL_PUT && e.text_len == 2);
	CHECK(journal_entry_next(&c, &pos, &e) == 1 && e.op == JOURNAL_REMOVE && !e.text);
	CHECK(journal_entry_next(&c, &pos, &e) == 0);
	/* every byte of a commit matters */
	for (size_t i = 0; i < t.len; i++) {
		t.buf[i] ^= 0x01;
		CHECK(journal_scan(t.buf, len, &c, &why) == JOURNAL_BAD);
		t.buf[i] ^= 0x01;
	}
	/* cut anywhere: damage (or nothing, when only zeros are left) */
	for (size_t cut = 1; cut < len; cut++)
		CHECK(journal_scan(t.buf, cut, &c, &why) == JOURNAL_BAD);
	static const unsigned char zeros[24];
	CHECK(journal_scan(zeros, sizeof(zeros), &c, &why) == JOURNAL_END);
	CHECK(journal_scan(zeros, 0, &c, &why) == JOURNAL_END);
	journal_txn_free(&t);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/test_journal.%d", (int)getpid());
	test_format();
	test_replay_and_compaction();
	test_torn_tail();
	test_data_after_end();
	test_corrupt_middle();
	test_damaged_header_refused();
	test_group_commit();
	test_failed_sync();
	test_full_disk_rule();
	test_fault_points();
	test_files_reused();
	test_load_over();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_summary("test_journal");
}
