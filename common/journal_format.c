#include "journal_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crc32c.h"

static const unsigned char HEADER_MAGIC[8] = {'S', 'R', 'I', 'O', 'V', 'J', 'N', 'L'};
#define HEADER_FORMAT 1
#define HEADER_FIELDS 24 /* magic, format, header size, epoch: what the header's CRC covers */
#define COMMIT_MAGIC 0x544d434au /* "JCMT" */
#define ENTRY_HEAD 8

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static size_t pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

void journal_header_encode(uint64_t epoch, unsigned char out[JOURNAL_HEADER_SIZE])
{
	memset(out, 0, JOURNAL_HEADER_SIZE);
	memcpy(out, HEADER_MAGIC, sizeof(HEADER_MAGIC));
	put32(out + 8, HEADER_FORMAT);
	put32(out + 12, JOURNAL_HEADER_SIZE);
	put64(out + 16, epoch);
	put32(out + HEADER_FIELDS, crc32c(0, out, HEADER_FIELDS));
}

int journal_header_decode(const unsigned char *buf, size_t len, uint64_t *epoch, const char **why)
{
	if (len < JOURNAL_HEADER_SIZE)
		return *why = "shorter than its header", -1;
	if (memcmp(buf, HEADER_MAGIC, sizeof(HEADER_MAGIC)) != 0)
		return *why = "not a journal file (no SRIOVJNL header)", -1;
	if (get32(buf + HEADER_FIELDS) != crc32c(0, buf, HEADER_FIELDS))
		return *why = "header checksum mismatch", -1;
	if (get32(buf + 8) != HEADER_FORMAT || get32(buf + 12) != JOURNAL_HEADER_SIZE)
		return *why = "journal format of another version", -1;
	*epoch = get64(buf + 16);
	return 0;
}

void journal_txn_init(struct journal_txn *t)
{
	memset(t, 0, sizeof(*t));
}

void journal_txn_free(struct journal_txn *t)
{
	free(t->buf);
	journal_txn_init(t);
}

static int reserve(struct journal_txn *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	unsigned char *p;
	if (t->len + more <= t->cap)
		return 0;
	while (cap < t->len + more + 8)
		cap *= 2;
	p = realloc(t->buf, cap);
	if (!p)
		return -1;
	t->buf = p;
	t->cap = cap;
	return 0;
}

int journal_txn_add(struct journal_txn *t, const char *path, const char *text)
{
	size_t plen = strlen(path), tlen = text ? strlen(text) : 0;
	unsigned char *e;
	if (t->failed || plen == 0 || plen > JOURNAL_PATH_MAX || tlen > JOURNAL_PAYLOAD_MAX ||
	    (t->len == 0 && reserve(t, JOURNAL_HEAD_SIZE) < 0)) {
		t->failed = true;
		return -1;
	}
	if (t->len == 0)
		t->len = JOURNAL_HEAD_SIZE;
	if (reserve(t, ENTRY_HEAD + plen + tlen) < 0) {
		t->failed = true;
		return -1;
	}
	e = t->buf + t->len;
	e[0] = text ? JOURNAL_PUT : JOURNAL_REMOVE;
	e[1] = 0;
	e[2] = (unsigned char)plen;
	e[3] = (unsigned char)(plen >> 8);
	put32(e + 4, (uint32_t)tlen);
	memcpy(e + ENTRY_HEAD, path, plen);
	if (tlen)
		memcpy(e + ENTRY_HEAD + plen, text, tlen);
	t->len += ENTRY_HEAD + plen + tlen;
	t->entries++;
	if (text) {
		t->puts++;
		t->put_bytes += tlen;
	}
	return 0;
}

int journal_txn_add_records(struct journal_txn *t, const char *folder, const struct obj_dir_change *c, size_t n)
{
	char path[JOURNAL_PATH_MAX + 1];
	for (size_t i = 0; i < n; i++)
		if (snprintf(path, sizeof(path), "%s/%s.json", folder, c[i].id) >= (int)sizeof(path) ||
		    journal_txn_add(t, path, c[i].text) < 0) {
			t->failed = true;
			return -1;
		}
	return 0;
}

/* CRC over the payload (payload_crc), then the head's length, seq and entry count. */
static uint32_t commit_crc(const unsigned char *head, uint32_t payload_crc)
{
	return crc32c(payload_crc, head + 4, 16);
}

size_t journal_txn_finish(struct journal_txn *t)
{
	size_t payload = t->len - JOURNAL_HEAD_SIZE, size = pad8(t->len);
	if (t->failed || t->entries == 0 || payload > JOURNAL_PAYLOAD_MAX || reserve(t, size - t->len) < 0)
		return 0;
	t->payload_crc = crc32c(0, t->buf + JOURNAL_HEAD_SIZE, payload);
	memset(t->buf + t->len, 0, size - t->len);
	t->size = size;
	return size;
}

void journal_txn_seal(struct journal_txn *t, uint64_t seq)
{
	put32(t->buf, COMMIT_MAGIC);
	put32(t->buf + 4, (uint32_t)(t->len - JOURNAL_HEAD_SIZE));
	put64(t->buf + 8, seq);
	put32(t->buf + 16, t->entries);
	put32(t->buf + 20, commit_crc(t->buf, t->payload_crc));
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Every entry whole and inside the payload, exactly `entries` of them, no NUL in a text. */
static bool entries_fit(const unsigned char *p, size_t len, uint32_t entries)
{
	size_t pos = 0;
	for (uint32_t i = 0; i < entries; i++) {
		size_t plen, tlen;
		if (len - pos < ENTRY_HEAD)
			return false;
		plen = (size_t)p[pos + 2] | (size_t)p[pos + 3] << 8;
		tlen = get32(p + pos + 4);
		if ((p[pos] != JOURNAL_PUT && p[pos] != JOURNAL_REMOVE) || p[pos + 1] != 0 || plen == 0 ||
		    (p[pos] == JOURNAL_REMOVE && tlen != 0) || len - pos - ENTRY_HEAD < plen ||
		    len - pos - ENTRY_HEAD - plen < tlen)
			return false;
		if (memchr(p + pos + ENTRY_HEAD, '\0', plen) || memchr(p + pos + ENTRY_HEAD + plen, '\0', tlen))
			return false;
		pos += ENTRY_HEAD + plen + tlen;
	}
	return pos == len;
}

enum journal_scan journal_scan(const unsigned char *buf, size_t avail, struct journal_commit *c, const char **why)
{
	size_t payload;
	if (avail == 0 || all_zero(buf, avail < JOURNAL_HEAD_SIZE ? avail : JOURNAL_HEAD_SIZE))
		return JOURNAL_END;
	if (avail < JOURNAL_HEAD_SIZE)
		return *why = "a commit cut short by the end of the file", JOURNAL_BAD;
	if (get32(buf) != COMMIT_MAGIC)
		return *why = "no commit header where one should start", JOURNAL_BAD;
	payload = get32(buf + 4);
	if (payload > JOURNAL_PAYLOAD_MAX || payload > avail - JOURNAL_HEAD_SIZE)
		return *why = "a commit longer than what follows it (torn write?)", JOURNAL_BAD;
	if (get32(buf + 20) != commit_crc(buf, crc32c(0, buf + JOURNAL_HEAD_SIZE, payload)))
		return *why = "checksum mismatch (torn write or corruption)", JOURNAL_BAD;
	if (get32(buf + 16) == 0 || !entries_fit(buf + JOURNAL_HEAD_SIZE, payload, get32(buf + 16)))
		return *why = "entries that do not add up to the commit", JOURNAL_BAD;
	c->seq = get64(buf + 8);
	c->entries = get32(buf + 16);
	c->payload = buf + JOURNAL_HEAD_SIZE;
	c->payload_len = payload;
	c->size = pad8(JOURNAL_HEAD_SIZE + payload);
	if (c->size > avail)
		c->size = avail; /* the file ends inside the padding: nothing can follow */
	return JOURNAL_COMMIT;
}

int journal_entry_next(const struct journal_commit *c, size_t *pos, struct journal_entry *e)
{
	const unsigned char *p = c->payload + *pos;
	if (*pos >= c->payload_len)
		return 0;
	e->op = p[0];
	e->path_len = (size_t)p[2] | (size_t)p[3] << 8;
	e->text_len = get32(p + 4);
	e->path = (const char *)p + ENTRY_HEAD;
	e->text = e->op == JOURNAL_PUT ? e->path + e->path_len : NULL;
	*pos += ENTRY_HEAD + e->path_len + e->text_len;
	return 1;
}
