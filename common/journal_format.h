/* journal_format: the bytes of a journal file (journal.h), with no I/O, so that every rule
 * of what counts as a commit, the end of the log or damage is in one place (and fuzzed).
 *
 * A file: a header block of JOURNAL_HEADER_SIZE bytes ("SRIOVJNL", format 1, the file's
 * epoch, CRC-32C of those), then commits back to back, each 8-byte aligned:
 *
 *   "JCMT" | u32 payload length | u64 seq | u32 entries | u32 CRC-32C | payload | zero padding
 *
 * all little-endian. The CRC covers the payload, then the length, seq and entry count. An
 * entry: u8 op (1 put, 2 remove) | u8 0 | u16 path length | u32 text length | path | text;
 * the path is relative to the state dir ("networks/<id>.json", "ipam.json"), the text the
 * record's whole new file (no NUL byte in it). A commit is all or nothing: a change that
 * touches several records is one commit.
 *
 * Reading stops at the clean end (an all-zero commit head with only zeros after it, or the end
 * of the file: a new file is preallocated with zeros) or at damage: anything else that is not a
 * whole commit with its CRC (a torn write, a flipped bit, a seq not above the previous one). */
#ifndef JOURNAL_FORMAT_H
#define JOURNAL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "obj_dir.h"

#define JOURNAL_HEADER_SIZE 4096
#define JOURNAL_HEAD_SIZE 24
#define JOURNAL_PATH_MAX 1024
#define JOURNAL_PAYLOAD_MAX ((size_t)32 << 20)

enum journal_op { JOURNAL_PUT = 1, JOURNAL_REMOVE = 2 };

/* The header block of a file of this epoch. */
void journal_header_encode(uint64_t epoch, unsigned char out[JOURNAL_HEADER_SIZE]);
/* The epoch of a header, or -1 with *why when it is not one of ours. */
int journal_header_decode(const unsigned char *buf, size_t len, uint64_t *epoch, const char **why);

/* A commit being built: the head is reserved at buf's start, entries follow. */
struct journal_txn {
	unsigned char *buf;
	size_t len, cap;
	uint32_t entries;
	uint64_t put_bytes; /* texts' total: the room their files will need */
	size_t puts;
	bool failed; /* out of memory while building: the commit is refused */
	uint32_t payload_crc; /* journal_txn_finish's, so that sealing under a lock is cheap */
	size_t size;          /* on disk, padded; 0 until finished */
};

void journal_txn_init(struct journal_txn *t);
void journal_txn_free(struct journal_txn *t);
/* Adds an entry: text (NUL-terminated) is the file's new content, NULL removes it. 0, or -1
 * when out of memory or the path is too long (the txn is then failed). */
int journal_txn_add(struct journal_txn *t, const char *path, const char *text);
/* Each change of an obj_dir folder (its name in the state dir: "networks") as an entry for
 * "<folder>/<id>.json". */
int journal_txn_add_records(struct journal_txn *t, const char *folder, const struct obj_dir_change *c, size_t n);
/* Done adding: the padding and the payload's CRC; returns the commit's size on disk (a
 * multiple of 8), or 0 when the txn is failed, empty or too large. */
size_t journal_txn_finish(struct journal_txn *t);
/* The head (seq, the commit's CRC) of a finished txn: cheap, for under the journal's lock. */
void journal_txn_seal(struct journal_txn *t, uint64_t seq);

/* What lies at the start of buf (avail bytes of a file from a commit's offset). */
enum journal_scan {
	JOURNAL_END = 0,    /* the clean end: zeros, or the end of the file */
	JOURNAL_COMMIT = 1, /* a whole commit, CRC and entries checked */
	JOURNAL_BAD = -1,   /* damage: *why says what */
};
struct journal_commit {
	uint64_t seq;
	uint32_t entries;
	const unsigned char *payload;
	size_t payload_len;
	size_t size; /* bytes taken on disk, padding included */
};
enum journal_scan journal_scan(const unsigned char *buf, size_t avail, struct journal_commit *c, const char **why);

/* Entries of a commit journal_scan accepted, one by one: 1 with *e, 0 after the last. */
struct journal_entry {
	int op;
	const char *path; /* path_len bytes, not NUL-terminated */
	size_t path_len;
	const char *text; /* text_len bytes, not NUL-terminated; NULL for a removal */
	size_t text_len;
};
int journal_entry_next(const struct journal_commit *c, size_t *pos, struct journal_entry *e);

#endif
