/* libFuzzer target: the journal's commit reader (common/journal_format.c) fed arbitrary bytes,
 * as a damaged disk could hand them over: it never reads past the buffer, every commit it
 * accepts has exactly the entries it says, each inside the commit; and a commit built from
 * the input reads back as built. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/journal_format.h"
#include "fuzz_check.h"

static void scan_all(const uint8_t *data, size_t size)
{
	size_t pos = 0;
	while (pos < size) {
		struct journal_commit c;
		struct journal_entry e;
		const char *why = NULL;
		size_t at = 0, n = 0;
		enum journal_scan s = journal_scan(data + pos, size - pos, &c, &why);
		if (s == JOURNAL_END)
			return;
		if (s == JOURNAL_BAD) {
			FUZZ_ASSERT(why != NULL);
			return;
		}
		FUZZ_ASSERT(c.size >= JOURNAL_HEAD_SIZE && c.size <= size - pos);
		FUZZ_ASSERT(c.payload + c.payload_len <= data + size);
		while (journal_entry_next(&c, &at, &e)) {
			FUZZ_ASSERT((const uint8_t *)e.path >= c.payload && e.path_len > 0);
			FUZZ_ASSERT((const uint8_t *)e.path + e.path_len + e.text_len <= c.payload + c.payload_len);
			FUZZ_ASSERT(!memchr(e.path, '\0', e.path_len) && (!e.text || !memchr(e.text, '\0', e.text_len)));
			n++;
		}
		FUZZ_ASSERT(n == c.entries && at == c.payload_len);
		pos += c.size;
	}
}

/* The input as one entry's text (NULs made 'x'): sealed, it scans back whole. */
static void round_trip(const uint8_t *data, size_t size)
{
	struct journal_txn t;
	struct journal_commit c;
	struct journal_entry e;
	const char *why = NULL;
	size_t at = 0, len;
	char *text = malloc(size + 1);
	FUZZ_ASSERT(text != NULL);
	for (size_t i = 0; i < size; i++)
		text[i] = data[i] ? (char)data[i] : 'x';
	text[size] = '\0';
	journal_txn_init(&t);
	FUZZ_ASSERT(journal_txn_add(&t, "networks/fuzz.json", text) == 0);
	FUZZ_ASSERT(journal_txn_add(&t, "endpoints/gone.json", NULL) == 0);
	len = journal_txn_finish(&t);
	journal_txn_seal(&t, size + 1);
	FUZZ_ASSERT(len > 0 && len % 8 == 0);
	FUZZ_ASSERT(journal_scan(t.buf, len, &c, &why) == JOURNAL_COMMIT && c.seq == size + 1 && c.entries == 2);
	FUZZ_ASSERT(journal_entry_next(&c, &at, &e) == 1 && e.text_len == size && !memcmp(e.text, text, size));
	FUZZ_ASSERT(journal_entry_next(&c, &at, &e) == 1 && e.op == JOURNAL_REMOVE && e.text == NULL);
	FUZZ_ASSERT(journal_entry_next(&c, &at, &e) == 0);
	journal_txn_free(&t);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t epoch;
	const char *why = NULL;
	if (journal_header_decode(data, size, &epoch, &why) < 0)
		FUZZ_ASSERT(why != NULL);
	scan_all(data, size);
	round_trip(data, size);
	return 0;
}
