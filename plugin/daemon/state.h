/* state: the daemon's networks and endpoints, and which VF each endpoint owns.
 *
 * VF ownership is derived from the endpoints (PF PCI address + VF index), so it
 * cannot disagree with them. On disk (obj_dir.h): one file per object,
 * <dir>/networks/<id>.json and <dir>/endpoints/<id>.json, and <dir>/state.json, a
 * small marker ({"version": 2}) saying the folders are the state. So a save costs
 * what changed, not what is recorded: it writes only the records that differ from
 * their file and removes the files of removed records, each file replaced whole
 * (tmp, fsync, rename) and one fsync of each folder touched. With the journal attached
 * (st->journal, state_journal.h) the same changes are one journal commit instead (every
 * touched record, whole: its file may be older than the journal's copy), written into
 * the files by the journal's compaction; state.json then says version 3.
 *
 * What changed is tracked here, so callers keep the old shape (change in memory,
 * state_save, undo on failure): every record handed out by state_ep_for_change or
 * state_add_* is a candidate, compared with its file at the
 * next save (a record changed through st->eps[i] directly must be passed to
 * state_touch_ep); the state_find_* lookups only look, so a request that reads
 * (EndpointOperInfo, status, a Join that changes nothing) adds nothing to a save;
 * every removed ID is unlinked unless it is back by then. A crash leaves each file either
 * old or new; the order (networks written, endpoints removed, endpoints written,
 * networks removed) keeps every prefix of a save loadable: no endpoint without its
 * network. A version 1 state.json (the whole state in one file, before this layout)
 * is loaded as it is and converted by the next save: a note (state.json.converting)
 * written, all files written and made durable, what memory does not hold removed, then
 * the marker replaces it in one rename and the note goes. Folders holding records
 * beside a version 1 state.json without that note are refused at load (they were
 * written under a version 2 marker: converting would delete them).
 *
 * Callers save after every change and undo the in-memory change when the save
 * fails, except for changes Docker will not retry (deletes): those stay in memory
 * as a pending change (`dirty`), written by the next successful save or
 * state_flush (the daemon retries every second). */
#ifndef STATE_H
#define STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/sr_error.h"
#include "../../netlink/nlk.h"
#include "../../spec/spec.h"
#include "../host/net_config.h"
#include "../host/nic.h"

#define STATE_PCI_MAX 32

/* state.json as the marker: version 2, the folders are the state; version 3, the folders with
 * journal/ replayed over them (written before the journal's first commit, back to version 2
 * once a clean stop emptied it). Older plugins refuse any version they do not know. */
#define STATE_MARKER_DIRS "{\n \"layout\": \"networks/<id>.json, endpoints/<id>.json\",\n \"version\": 2\n}\n"
#define STATE_MARKER_JOURNAL \
	"{\n \"layout\": \"networks/<id>.json, endpoints/<id>.json, journal/<n>.log\",\n \"version\": 3\n}\n"

struct journal;

struct net_record {
	char id[SPEC_ID_MAX + 1];
	struct net_config cfg;
	char pf_pci[NET_MAX_PFS][STATE_PCI_MAX]; /* each PF's stable identity (cfg.pf_count, list order) */
	bool internal;
	char gateway4[SPEC_CIDR_MAX]; /* plain IP or "" */
	char gateway6[SPEC_CIDR_MAX];
	char pool4[SPEC_CIDR_MAX];
	char pool6[SPEC_CIDR_MAX];
	/* memory only, never saved: a DeleteNetwork gave up waiting for its endpoint operations;
	 * the sweep deletes it once they are done, and no new endpoint starts on it */
	bool delete_pending;
};

/* An endpoint is written down before its VF is touched (CREATING) and marked before its
 * VF is reset (DELETING), so a crash at any step leaves a record that says what to undo
 * or finish at the next start (reconcile.c). RELEASED: Docker deleted the endpoint while
 * its VF was not back on a host network driver (left on vfio-pci by a Kata VM, unbound, or
 * still in another namespace); the VF is reset but the record stays as proof that the VF
 * is ours to take back. The pool reclaims such a VF and drops the record; a VF on vfio-pci
 * or on no driver without such a record belongs to someone else and is never touched. A
 * released record outlives its network (DeleteNetwork keeps it until the VF is home and reset):
 * it is the one record that may name a network the state no longer has. */
enum ep_phase { EP_READY = 0, EP_CREATING = 1, EP_DELETING = 2, EP_RELEASED = 3 };

/* A passthrough endpoint (its network's mode=passthrough) owns a whole NIC rather than a VF:
 * pf_pci and vf_pci are the NIC's PCI address, vf is -1, `saved` is unused and `host` is the NIC
 * as the host had it, put back when the NIC comes home. RELEASED then means: Docker is done,
 * but the NIC is not back in our namespace yet (the sweep restores it when it is). On disk
 * such a record says "kind": "nic"; a record without "kind" is a VF's (files of older versions). */
struct ep_record {
	char id[SPEC_ID_MAX + 1];
	char network_id[SPEC_ID_MAX + 1];
	char pf_pci[STATE_PCI_MAX];
	int vf;
	char vf_pci[STATE_PCI_MAX];
	/* which instance of that PCI device the endpoint got (sysfs_pci_instance; "" in records of
	 * older versions, filled in by the next sweep): VFs re-created under a container are new
	 * devices at the same PCI address. Never the MAC: a trusted VF may change its own. */
	char vf_instance[SYSFS_INSTANCE_MAX];
	uint8_t mac[6];
	char address4[SPEC_CIDR_MAX];
	char address6[SPEC_CIDR_MAX];
	bool joined;
	char sandbox_key[SPEC_PATH_MAX];
	long long joined_at; /* wall clock (s) of the Join */
	/* wall clock (s) since it has had no sandbox: its CreateEndpoint, or its Leave. A record
	 * from before this field gets the time it was loaded. */
	long long unjoined_at;
	bool sandbox_seen;   /* its SandboxKey file existed at some sweep: missing later means gone */
	bool sandbox_mounted; /* ... and was a mounted netns (nsfs): not mounted later means gone */
	struct nlk_vf_config saved; /* the VF's settings before we touched it */
	unsigned saved_mtu;         /* ... and its netdev's MTU (0: not known, older records); on disk
				     * in "saved" as "mtu" */
	int phase;                  /* enum ep_phase */
	bool passthrough;           /* owns the NIC pf_pci, not a VF */
	struct nic_saved host;      /* passthrough: the NIC as the host had it */
	/* the VF's host network driver when it was handed out ("": not known, records of older
	 * versions): named when the VF is taken back from vfio-pci */
	char vf_driver[SYSFS_DRIVER_MAX];
	/* memory only, never saved: the last sweep found its VF gone or re-created (reconcile.c
	 * drops it when the next sweep finds the same) */
	bool vf_lost_once;
	/* memory only: why the last attempt to give the VF back left it off its host driver
	 * (released records; "" = none made since start), for status */
	char pending[160]; /* a longer reason is cut */
	/* memory only: joined_at and unjoined_at on CLOCK_BOOTTIME (ms), what the sweep's grace
	 * periods are measured on while running (ep_clock.h); 0 = not anchored */
	long long joined_mono_ms, unjoined_mono_ms;
};

struct state {
	char dir[512];
	struct net_record *nets;
	size_t net_count, net_cap;
	struct ep_record *eps;
	size_t ep_count, ep_cap;
	bool loaded; /* state.json existed at open */
	bool dirty;  /* memory holds changes the last save could not write */
	bool later;  /* memory holds changes not worth a wait (state_save_later) */
	/* for state.c only: what the dir holds and what the next save must look at */
	int layout;                   /* 0 nothing yet, 1 a version 1 state.json, 2 one file per object */
	unsigned char *net_touched;   /* parallel to nets: compare with its file at the next save */
	unsigned char *ep_touched;    /* parallel to eps */
	struct state_gone *gone;      /* removed since the last save */
	size_t gone_count, gone_cap;
	/* state_journal.h: set, a save is one commit of the journal (compacted into the files in
	 * the background) instead of writing the files itself */
	struct journal *journal;
	bool journal_marker; /* state.json said version 3 at open: the journal may hold commits */
};

struct state_gone {
	bool ep; /* else a network */
	char id[SPEC_ID_MAX + 1];
};

/* Creates dir (0700) if absent. Refuses one that is not a directory owned by us, or that
 * group or others may write (they could have planted or replaced state). One that others
 * may only read or search (0755, as older installs made it) is tightened to 0700
 * (*tightened says so, for the log). */
int state_dir_check(const char *dir, bool *tightened, sr_error *err);
/* Loads the state in dir if present (st->loaded: state.json existed). Checks dir first
 * (state_dir_check). A corrupt file, a symlink (even dangling), a FIFO, a device or an
 * unexpected name there is an error naming the file; so is a missing networks/ or
 * endpoints/ folder, or state.json missing while those folders hold records (a marker
 * deleted by hand must not turn into an empty start). Nothing is written, except that
 * <id>.json.tmp files a crash left are removed. A version 1 state.json loads as it
 * is and leaves the state dirty (the next save or state_flush converts it), unless
 * networks/ or endpoints/ is a symlink or holds records no conversion wrote: refused,
 * naming the file and the folder. */
int state_open(const char *dir, struct state *st, sr_error *err);
/* The same, with the journal's newer records (journal_folder_images) read over the files. */
int state_open_over(const char *dir, struct state *st, const struct journal *replay, sr_error *err);
void state_free(struct state *st);
/* Writes what changed since the last successful save (everything when the dir does
 * not hold this layout yet); clears `dirty` on success, sets it on failure. */
int state_save(struct state *st, sr_error *err);
/* Writes pending changes and those saved later, if any (0 when there are none). */
int state_flush(struct state *st, sr_error *err);

/* Lookups, for looking only: NULL when absent. */
const struct net_record *state_find_net(const struct state *st, const char *id);
const struct ep_record *state_find_ep(const struct state *st, const char *id);
const struct ep_record *state_find_vf_owner(const struct state *st, const char *pf_pci, int vf);
/* The one way to get a record to change: marked, so the next save compares it with its
 * file (and writes it when it differs). NULL when absent. (A network's record never changes
 * after CreateNetwork: it is added and removed whole.) */
struct ep_record *state_ep_for_change(struct state *st, const char *id);
/* A network's one memory-only mark (delete_pending), set or cleared; false when absent. */
bool state_net_set_delete_pending(struct state *st, const char *id, bool pending);

/* Append a copy; returns the stored record or NULL (ENOMEM) with err set. */
struct net_record *state_add_net(struct state *st, const struct net_record *rec, sr_error *err);
struct ep_record *state_add_ep(struct state *st, const struct ep_record *rec, sr_error *err);
void state_remove_net(struct state *st, const char *id);
void state_remove_ep(struct state *st, const char *id);
/* rec (a record of st, e.g. st->eps[i]) was changed without state_*_for_change: save it next. */
void state_touch_ep(struct state *st, const struct ep_record *rec);
/* Docker is done with rec but its VF is not home: it stays as the proof the VF is ours
 * (EP_RELEASED, out of any sandbox); touched, saved by the next save. */
void state_mark_released(struct state *st, struct ep_record *rec);
/* The changes so far are hints a crash may lose (a sweep marking thousands of sandboxes
 * seen): written with the next save, or by state_flush (the daemon's, within a second),
 * rather than making whoever waits (start-up) wait for them. */
void state_save_later(struct state *st);

/* The version 1 JSON form (the whole state in one file): read when converting an older
 * state dir, written by tests and the bench; exposed for tests. */
char *state_to_json(const struct state *st);
int state_from_json(const char *text, struct state *st, sr_error *err);

#endif
