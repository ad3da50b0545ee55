#include "reconcile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "../host/pf.h"
#include "state_copy.h"
#include "../host/vf_pool.h"
#include "../host/vf_setup.h"
#include "ep_clock.h"
#include "ep_give_back.h"
#include "ep_repair.h"
#include "ep_vf.h"
#include "events.h"
#include "handlers.h"

/* Each PF of each network prepared; a PF that is gone takes only its own VFs out of the pool
 * (its network's other PFs still serve it). */
static void reconcile_networks(struct daemon *d)
{
	for (size_t i = 0; i < d->state.net_count; i++) {
		const struct net_record *n = &d->state.nets[i];
		for (unsigned p = 0; p < n->cfg.pf_count; p++) {
			sr_error err = {0};
			if (!sysfs_pci_exists(d->cfg.sysfs_root, n->pf_pci[p])) {
				sr_log_msg(&d->log, SR_LOG_ERROR, "network %.12s: PF %s (%s) is gone", n->id,
					   n->cfg.pf_spec[p], n->pf_pci[p]);
				continue;
			}
			if (n->cfg.mode == NET_MODE_PASSTHROUGH) /* no VFs: the NIC goes to a container as it is */
				continue;
			if (pf_prepare(&d->host, n->pf_pci[p], n->cfg.numvfs, &err) < 0)
				sr_log_msg(&d->log, SR_LOG_ERROR, "network %.12s: %s", n->id, err.msg);
		}
	}
}

static void reconcile_endpoints(struct daemon *d)
{
	for (size_t i = 0; i < d->state.ep_count; i++) {
		const struct ep_record *e = &d->state.eps[i];
		char vf_pci[SYSFS_PCI_MAX];
		sr_error err = {0};
		if (e->passthrough)
			continue;
		if (sysfs_vf_pci(d->cfg.sysfs_root, e->pf_pci, e->vf, vf_pci, &err) < 0) {
			sr_log_msg(&d->log, SR_LOG_ERROR, "endpoint %.12s: its VF %d of %s is gone: %s", e->id, e->vf,
				   e->pf_pci, err.msg);
			continue;
		}
		if (strcmp(vf_pci, e->vf_pci) != 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "endpoint %.12s: VF %d of %s is now %s (was %s)", e->id, e->vf,
				   e->pf_pci, vf_pci, e->vf_pci);
	}
}

/* dockerd sends Join before it creates the SandboxKey file (the container's netns is bound
 * there by runc's prestart hook when the container starts), so a missing file means "gone" only
 * once it has been seen, or when the Join is older than this. Starting a container can take
 * minutes on a loaded host (28 at once under emulation: over 3); resetting a VF that dockerd is
 * about to move leaves the container on a VF without its admin MAC, while a VF of a start that
 * never came (dockerd died in between) merely waits longer. */
#define SANDBOX_GRACE_S 900

/* An endpoint with no sandbox for this long is an orphan: dockerd joins right after it creates,
 * and deletes right after it leaves, so only a lost answer (a CreateEndpoint whose connection
 * broke: dockerd never retries it and never deletes what it did not get) or a dockerd that died
 * in between leaves one, and nobody would ever free its VF. */
#define ORPHAN_GRACE_S 900

/* What one look at an endpoint's SandboxKey found (look_at_sandboxes). */
struct sandbox_look {
	char id[SPEC_ID_MAX + 1];
	char key[SPEC_PATH_MAX];
	bool looked;  /* joined with a SandboxKey: looked at */
	bool exists;  /* statfs succeeded... */
	bool mounted; /* ... on a mounted netns (nsfs) */
	bool missing; /* ENOENT: no such file */
};

static bool orphan(const struct ep_record *e)
{
	return !e->joined && e->phase == EP_READY && e->unjoined_at > 0 && ep_clock_since_unjoined(e) > ORPHAN_GRACE_S;
}

/* Under d->lock: true: stale. Marks the sandbox seen when its file exists, and mounted when it is
 * a mounted netns (*changed: the caller saves once per sweep, so a sweep of N endpoints costs one
 * save, not N). dockerd unmounts a sandbox's netns as soon as it destroys the sandbox, but
 * removes the file only in its garbage collection of namespace paths, every 60 s: a file seen
 * mounted and now not is already gone (a plugin that was down during `docker rm` frees the VF a
 * minute sooner). A file never seen mounted (one that dockerd has created but runc not mounted
 * yet, or a mount this process cannot see) counts as there, as before. l: the look at its
 * SandboxKey, taken without d->lock (look_at_sandboxes). */
static bool sandbox_gone(struct state *st, struct ep_record *e, const struct sandbox_look *l, bool *changed)
{
	if (l->exists) {
		if (!l->mounted && e->sandbox_mounted)
			return true;
		if (!e->sandbox_seen || (l->mounted && !e->sandbox_mounted)) {
			e->sandbox_seen = true;
			e->sandbox_mounted = l->mounted;
			state_touch_ep(st, e); /* changed in place: the save must know to write it */
			*changed = true;
		}
		return false;
	}
	if (!l->missing)
		return false;
	return e->sandbox_seen || ep_clock_since_joined(e) > SANDBOX_GRACE_S;
}

/* After its VF was reset: an endpoint whose VF is home is dropped; one whose VF is left on no
 * driver or a user-space one (a crash between unbind and bind, a dead Kata VM) becomes a
 * `released` record, the proof that the VF is ours, so the pool takes it back and never
 * mistakes it for someone else's. A passthrough endpoint whose NIC is not back in our
 * namespace stays released too, for the sweep to restore the NIC when it comes. Called with
 * d->lock held; `home` (ep_give_back) was read without it. */
static void drop_or_release(struct daemon *d, const struct ep_record *e, bool home)
{
	struct ep_record *rec = state_ep_for_change(&d->state, e->id);
	if (!rec || home) {
		state_remove_ep(&d->state, e->id);
		return;
	}
	state_mark_released(&d->state, rec);
	if (e->passthrough)
		sr_log_msg(&d->log, SR_LOG_INFO,
			   "NIC %s of endpoint %.12s is not back in this namespace (or not fully restored): kept as "
			   "released, restored as %s by the sweep",
			   e->pf_pci, e->id, e->host.name);
	else
		sr_log_msg(&d->log, SR_LOG_INFO,
			   "VF %d (%s) of endpoint %.12s is not on its host driver: kept as released", e->vf, e->vf_pci,
			   e->id);
}

/* A copy of the state taken under d->lock, for the steps that read the kernel without it. */
static int snapshot(struct daemon *d, struct state *snap)
{
	sr_error err = {0};
	int rc;
	pthread_mutex_lock(&d->lock);
	rc = state_copy(&d->state, snap, &err);
	pthread_mutex_unlock(&d->lock);
	if (rc < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "sweep skipped: %s", err.msg);
	return rc;
}

/* Each joined endpoint's SandboxKey looked at (statfs) on a copy of the state, without d->lock:
 * a sandbox on a hung mount, or thousands of them at start, must not hold every request. looks[i]
 * is the copy's i-th record. */
struct sandbox_looks {
	struct sandbox_look *looks;
	size_t count;
};

static struct sandbox_looks look_at_sandboxes(struct daemon *d)
{
	struct sandbox_looks out = {NULL, 0};
	struct state snap;
	if (snapshot(d, &snap) < 0)
		return out;
	out.looks = calloc(snap.ep_count + 1, sizeof(*out.looks));
	for (size_t i = 0; out.looks && i < snap.ep_count && !daemon_stop_requested(d); i++) {
		const struct ep_record *e = &snap.eps[i];
		struct sandbox_look *l = &out.looks[i];
		struct statfs fs;
		out.count = i + 1;
		memcpy(l->id, e->id, sizeof(l->id));
		memcpy(l->key, e->sandbox_key, sizeof(l->key));
		if (!e->joined || !e->sandbox_key[0])
			continue;
		daemon_hold_point(d, "sweep-statfs", e->id, e->vf); /* tests: a statfs that takes its time */
		l->looked = true;
		if (statfs(e->sandbox_key, &fs) == 0) {
			l->exists = true;
			l->mounted = fs.f_type == NSFS_MAGIC;
		} else {
			l->missing = errno == ENOENT;
		}
	}
	state_free(&snap);
	return out;
}

/* Under d->lock: the look at live record e (the i-th), while it is still the look at e's sandbox;
 * NULL when the records moved or e rejoined since the copy (looked at again next sweep). */
static const struct sandbox_look *look_of(const struct sandbox_looks *sl, size_t i, const struct ep_record *e)
{
	const struct sandbox_look *l = i < sl->count ? &sl->looks[i] : NULL;
	if (!l || !l->looked || strcmp(l->id, e->id) != 0 || strcmp(l->key, e->sandbox_key) != 0)
		return NULL;
	return l;
}

/* Under d->lock: the stale candidates (joined with the sandbox gone, or orphans; no request
 * working on them), each entered in d->ops so that no request touches it while its VF is reset. */
static size_t stale_candidates(struct daemon *d, const struct sandbox_looks *sl, struct ep_record **out,
			       bool *seen)
{
	size_t n = 0;
	sr_error err = {0};
	*out = NULL;
	for (size_t i = d->state.ep_count; i-- > 0;) {
		struct ep_record *e = &d->state.eps[i];
		const struct sandbox_look *l;
		struct ep_op *op;
		/* a stop during a long start-up takes effect at once, with nothing more to save */
		if (daemon_stop_requested(d))
			break;
		if (ep_ops_find(d, e->id))
			continue;
		l = look_of(sl, i, e);
		if (!orphan(e) && (!e->joined || !e->sandbox_key[0] || !l || !sandbox_gone(&d->state, e, l, seen)))
			continue;
		struct ep_record *grown = realloc(*out, (n + 1) * sizeof(*grown));
		if (!grown)
			break; /* the next sweep gets the rest */
		*out = grown;
		op = ep_ops_begin(d, e->id, e->network_id, "reclaimed", &err);
		if (!op)
			break;
		snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", e->pf_pci);
		op->vf = e->vf;
		(*out)[n++] = *e;
	}
	return n;
}

int reconcile_stale_endpoints(struct daemon *d)
{
	int reclaimed = 0;
	bool changed = false, seen = false;
	struct ep_record *stale;
	size_t n;
	struct outcome {
		bool reset, home;
		char why[SPEC_PATH_MAX + 64]; /* for its event, said once d->lock is released */
	} *done;
	sr_error save_err = {0};
	struct sandbox_looks looks = look_at_sandboxes(d);
	pthread_mutex_lock(&d->lock);
	n = stale_candidates(d, &looks, &stale, &seen);
	pthread_mutex_unlock(&d->lock);
	free(looks.looks);
	done = calloc(n + 1, sizeof(*done));
	for (size_t i = 0; i < n && done; i++) {
		struct ep_record *e = &stale[i];
		enum device_place at;
		sr_error err = {0};
		if (daemon_stop_requested(d))
			break;
		/* given back once it can be: a NIC or a VF with its netdev here, or a VF on no driver or a
		 * user-space one (vfio-pci: no netdev comes back by itself) */
		at = device_place(&d->host, e->passthrough ? e->pf_pci : e->vf_pci);
		if (at != DEVICE_HOME && (e->passthrough || at != DEVICE_OFF_NET))
			continue;
		if (ep_give_back(d, e, &done[i].home, &err) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "stale endpoint %.12s: %s %s not fully %s: %s", e->id,
				   e->passthrough ? "NIC" : "VF", e->passthrough ? e->pf_pci : e->vf_pci,
				   e->passthrough ? "given back" : "reset", err.msg);
		/* its VF is reset: dropped below, saved with the sweep (a failed save stays pending) */
		done[i].reset = true;
	}
	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < n; i++) {
		if (done && done[i].reset) {
			char *why = done[i].why;
			drop_or_release(d, &stale[i], done[i].home);
			changed = true;
			if (stale[i].joined)
				snprintf(why, sizeof(done[i].why), "sandbox %s is gone%s", stale[i].sandbox_key,
					 access(stale[i].sandbox_key, F_OK) == 0 ? " (its netns is unmounted)" : "");
			else
				snprintf(why, sizeof(done[i].why), "no sandbox for %lld s (an orphan: Docker never joined or deleted it)",
					 ep_clock_since_unjoined(&stale[i]));
			reclaimed++;
		}
		ep_ops_end(d, stale[i].id);
	}
	if (changed && state_save(&d->state, &save_err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "sweep of stale endpoints: %s (kept pending)", save_err.msg);
	/* Only sandboxes marked seen: a crash losing that costs a grace period at most, so it is
	 * written by the next save or flush; a start-up with thousands of them answers meanwhile. */
	else if (seen && !changed)
		state_save_later(&d->state);
	pthread_mutex_unlock(&d->lock);
	for (size_t i = 0; i < n && done; i++) {
		if (!done[i].reset)
			continue;
		if (stale[i].passthrough)
			event_vf(d, METRICS_EV_RECLAIMED, &stale[i], SR_LOG_INFO,
				 "stale endpoint %.12s reclaimed: %s, NIC %s back as %s", stale[i].id, done[i].why,
				 stale[i].pf_pci, stale[i].host.name);
		else
			event_vf(d, METRICS_EV_RECLAIMED, &stale[i], SR_LOG_INFO,
				 "stale endpoint %.12s reclaimed: %s, VF %d (%s) reset and free", stale[i].id, done[i].why,
				 stale[i].vf, stale[i].vf_pci);
	}
	free(done);
	free(stale);
	return reclaimed;
}

/* A crash between recording an endpoint and finishing its set-up (or its deletion):
 * Docker never got a success for it (or already forgot it), so reset the VF and drop it.
 * Start-up only (before serving), yet it takes d->lock like the rest for the state. */
static void finish_interrupted_endpoints(struct daemon *d)
{
	struct state snap;
	bool changed = false;
	if (snapshot(d, &snap) < 0)
		return;
	for (size_t i = snap.ep_count; i-- > 0;) {
		const struct ep_record *e = &snap.eps[i];
		sr_error err = {0};
		bool home;
		if (e->phase == EP_READY || e->phase == EP_RELEASED)
			continue;
		if (ep_give_back(d, e, &home, &err) < 0)
			sr_log_msg(&d->log, SR_LOG_WARN, "interrupted endpoint %.12s: %s %s not fully %s: %s",
				   e->id, e->passthrough ? "NIC" : "VF", e->passthrough ? e->pf_pci : e->vf_pci,
				   e->passthrough ? "given back" : "reset", err.msg);
		pthread_mutex_lock(&d->lock);
		drop_or_release(d, e, home);
		pthread_mutex_unlock(&d->lock);
		changed = true;
		sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s was interrupted while %s: %s %s given back", e->id,
			   e->phase == EP_CREATING ? "being created" : "being deleted", e->passthrough ? "NIC" : "VF",
			   e->passthrough ? e->pf_pci : e->vf_pci);
	}
	state_free(&snap);
	sr_error err = {0};
	/* nothing rewritten when nothing changed: a start with a full disk still serves */
	pthread_mutex_lock(&d->lock);
	if (changed && state_save(&d->state, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "save after finishing interrupted endpoints: %s", err.msg);
	pthread_mutex_unlock(&d->lock);
}

/* Whether the VF an endpoint was given is still that VF, judged by what cannot change under a
 * container: the VF index below sriov_numvfs, its PCI address, and that PCI device's instance
 * (VFs re-created under us, sriov_numvfs written, are new devices at the same addresses). Never
 * by the MAC: a trusted VF (trust=on, privileged=1; bonding, keepalived, a VM in the container)
 * changes its own, and the PF then reports that one. *now: the VF's instance when the record has
 * none from this boot (an older record, or one from before a reboot), for the caller to record. */
static bool vf_lost(struct daemon *d, const struct ep_record *e, char now[SYSFS_INSTANCE_MAX], char *why,
		    size_t size)
{
	char vf_pci[SYSFS_PCI_MAX], pf[SYSFS_IFNAME_MAX];
	int numvfs = -1;
	sr_error err = {0};
	now[0] = '\0';
	if (pf_ifname(&d->host, e->pf_pci, pf, &err) < 0)
		return false; /* PF absent: reconcile_networks says so; nothing to compare against */
	if (sysfs_pf_numvfs(d->cfg.sysfs_root, e->pf_pci, &numvfs, &err) == 0 && e->vf >= numvfs) {
		snprintf(why, size, "VF %d of %s no longer exists (sriov_numvfs is now %d)", e->vf, pf, numvfs);
		return true;
	}
	if (sysfs_vf_pci(d->cfg.sysfs_root, e->pf_pci, e->vf, vf_pci, &err) < 0) {
		snprintf(why, size, "VF %d of %s no longer exists (sriov_numvfs is now %d)", e->vf, pf, numvfs);
		return true;
	}
	if (strcmp(vf_pci, e->vf_pci) != 0) {
		snprintf(why, size, "VF %d of %s is now PCI device %s, not %s (sriov_numvfs is %d)", e->vf, pf, vf_pci,
			 e->vf_pci, numvfs);
		return true;
	}
	if (sysfs_pci_instance(d->cfg.sysfs_root, vf_pci, now, &err) < 0)
		return false; /* cannot tell: the next sweep looks again */
	switch (sysfs_instance_compare(e->vf_instance, now)) {
	case SYSFS_INSTANCE_OTHER:
		snprintf(why, size, "VF %d of %s was re-created (%s is a new PCI device since the endpoint got it; "
			 "sriov_numvfs is %d)", e->vf, pf, vf_pci, numvfs);
		now[0] = '\0';
		return true;
	case SYSFS_INSTANCE_SAME:
		now[0] = '\0';
		return false;
	case SYSFS_INSTANCE_UNKNOWN:
		break;
	}
	return false;
}

/* Under d->lock: the live record of e (a copy from a snapshot) while it is still as it was (same
 * phase and VF) and no request works on it; NULL otherwise. */
static const struct ep_record *live_if_unchanged(struct daemon *d, const struct ep_record *e)
{
	const struct ep_record *rec = state_find_ep(&d->state, e->id);
	if (!rec || rec->phase != e->phase || rec->vf != e->vf || strcmp(rec->pf_pci, e->pf_pci) != 0 ||
	    ep_ops_find(d, e->id))
		return NULL;
	return rec;
}

/* Under d->lock: removes endpoint e (as copied) when it is still as it was and no request works
 * on it; saves, undoing the removal when the save fails. true when removed. */
static bool remove_if_unchanged(struct daemon *d, const struct ep_record *e, sr_error *err)
{
	if (!live_if_unchanged(d, e) || ep_ops_vf_claimed(d, e->pf_pci, e->vf))
		return false;
	state_remove_ep(&d->state, e->id);
	if (state_save(&d->state, err) < 0) {
		state_add_ep(&d->state, e, NULL);
		return false;
	}
	return true;
}

/* Under d->lock: the live record's "lost at the last sweep" mark; false when the record changed
 * or a request works on it. */
static bool mark_lost_once(struct daemon *d, const struct ep_record *e, bool lost)
{
	const struct ep_record *rec = live_if_unchanged(d, e);
	if (!rec)
		return false;
	/* memory only (never saved): changed in place, not marked for the next save */
	d->state.eps[rec - d->state.eps].vf_lost_once = lost;
	return true;
}

/* Under d->lock: the VF instance a record lacked, written down (with the next save: a crash
 * losing it only means the sweep after the restart takes it again). */
static bool note_instance(struct daemon *d, const struct ep_record *e, const char *instance)
{
	const struct ep_record *live = live_if_unchanged(d, e);
	struct ep_record *rec;
	if (!live || !strcmp(live->vf_instance, instance))
		return false;
	rec = state_ep_for_change(&d->state, e->id);
	snprintf(rec->vf_instance, sizeof(rec->vf_instance), "%s", instance);
	return true;
}

/* VFs re-created by someone else: every endpoint that had one has lost it (its netdev went with
 * the old VF, wherever it was). Say which, and drop them so the pool hands the new VFs out.
 * Only when two sweeps in a row find it so: a PF whose driver is being unbound (igb_remove) or
 * reloaded first disables its VFs and only then removes its own netdev, and a sweep in between
 * must not take that for VFs re-created (the endpoints of a PF that is gone stay, reported by
 * status, until Docker deletes them). */
static void drop_lost_endpoints(struct daemon *d)
{
	struct state snap;
	bool noted = false;
	if (snapshot(d, &snap) < 0)
		return;
	for (size_t i = snap.ep_count; i-- > 0;) {
		const struct ep_record *e = &snap.eps[i];
		char why[200], instance[SYSFS_INSTANCE_MAX];
		sr_error err = {0};
		bool removed;
		/* Only endpoints in use: a released VF was reset (admin MAC back to what it was before
		 * us), and a re-created one comes back on its host driver, where drop_released_home
		 * finds it. */
		if (e->phase != EP_READY || e->passthrough)
			continue;
		if (!vf_lost(d, e, instance, why, sizeof(why))) {
			if (e->vf_lost_once || instance[0]) {
				pthread_mutex_lock(&d->lock);
				mark_lost_once(d, e, false);
				if (instance[0])
					noted = note_instance(d, e, instance) || noted;
				pthread_mutex_unlock(&d->lock);
			}
			continue;
		}
		if (!e->vf_lost_once) {
			pthread_mutex_lock(&d->lock);
			if (mark_lost_once(d, e, true))
				sr_log_msg(&d->log, SR_LOG_INFO, "endpoint %.12s: %s; dropped if the next sweep finds the same",
					   e->id, why);
			pthread_mutex_unlock(&d->lock);
			continue;
		}
		pthread_mutex_lock(&d->lock);
		removed = remove_if_unchanged(d, e, &err);
		pthread_mutex_unlock(&d->lock);
		if (err.msg[0])
			sr_log_msg(&d->log, SR_LOG_ERROR, "endpoint %.12s: %s", e->id, err.msg);
		if (removed)
			event_vf(d, METRICS_EV_LOST, e, SR_LOG_WARN, "endpoint %.12s (network %.12s%s%s) lost its VF: %s; dropped",
				   e->id, e->network_id, e->sandbox_key[0] ? ", sandbox " : "", e->sandbox_key, why);
	}
	state_free(&snap);
	if (noted) {
		pthread_mutex_lock(&d->lock);
		state_save_later(&d->state);
		pthread_mutex_unlock(&d->lock);
	}
}

/* A released VF that came home by itself (Kata rebound it) needs no record any more; one still on
 * vfio-pci or on no driver (a VM that died after its endpoint was deleted, or whose VFIO group
 * was held then) is reset and taken back to its host driver once its group is free. A released
 * NIC that came home (its namespace finally went) is put back as the host had it first. The
 * caller has claimed the record (claim_released). */
static bool released_home(struct daemon *d, const struct ep_record *e)
{
	sr_error err = {0};
	bool home = false;
	if (!e->passthrough && device_is_home(&d->host, e->vf_pci))
		return true;
	if (ep_give_back(d, e, &home, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "%s %s of released endpoint %.12s is back but not as it was: %s",
			   e->passthrough ? "NIC" : "VF", e->passthrough ? e->pf_pci : e->vf_pci, e->id, err.msg);
	return home;
}

/* Under d->lock: released record e (a copy) entered in d->ops, as every request on an endpoint is,
 * so that a DeleteNetwork, a CreateEndpoint taking its VF back or a new passthrough endpoint on
 * its NIC waits for the sweep's restore rather than racing it. false: it changed, or someone
 * works on it (the next sweep looks again). */
static bool claim_released(struct daemon *d, const struct ep_record *e)
{
	struct ep_op *op;
	sr_error err = {0};
	if (!live_if_unchanged(d, e) || ep_ops_vf_claimed(d, e->pf_pci, e->vf))
		return false;
	op = ep_ops_begin(d, e->id, e->network_id, "restored by the sweep", &err);
	if (!op)
		return false;
	snprintf(op->pf_pci, sizeof(op->pf_pci), "%s", e->pf_pci);
	op->vf = e->vf;
	return true;
}

static void drop_released_home(struct daemon *d)
{
	struct state snap;
	if (snapshot(d, &snap) < 0)
		return;
	for (size_t i = snap.ep_count; i-- > 0;) {
		const struct ep_record *e = &snap.eps[i];
		sr_error err = {0};
		bool claimed, home, removed = false;
		if (e->phase != EP_RELEASED)
			continue;
		pthread_mutex_lock(&d->lock);
		claimed = claim_released(d, e);
		pthread_mutex_unlock(&d->lock);
		if (!claimed)
			continue;
		daemon_hold_point(d, "sweep-restore", e->id, e->vf);
		home = released_home(d, e);
		pthread_mutex_lock(&d->lock);
		ep_ops_end(d, e->id);
		if (home)
			removed = remove_if_unchanged(d, e, &err);
		pthread_mutex_unlock(&d->lock);
		if (removed && e->passthrough)
			sr_log_msg(&d->log, SR_LOG_INFO, "NIC %s of released endpoint %.12s is home again, as %s",
				   e->pf_pci, e->id, e->host.name);
		else if (removed)
			sr_log_msg(&d->log, SR_LOG_INFO, "VF %d (%s) of released endpoint %.12s is home again", e->vf,
				   e->vf_pci, e->id);
	}
	state_free(&snap);
}

/* A network's PF that has no VFs: prepared again (the NIC's driver came late); one that is
 * absent is left for later. Works on a copy: pf_prepare serialises itself per PF and never
 * needs d->lock. */
static void retry_pf(struct daemon *d, const struct net_record *n, unsigned p)
{
	const char *pci = n->pf_pci[p];
	char pf[SYSFS_IFNAME_MAX];
	int numvfs = 0;
	sr_error err = {0};
	if (!sysfs_pci_exists(d->cfg.sysfs_root, pci))
		return;
	if (pf_ifname(&d->host, pci, pf, &err) == 0 && sysfs_pf_numvfs(d->cfg.sysfs_root, pci, &numvfs, &err) == 0 &&
	    numvfs > 0)
		return;
	if (pf_ifname(&d->host, pci, pf, &err) < 0)
		return; /* no driver yet: the next sweep or CreateEndpoint looks again */
	/* Someone changing numvfs writes 0 first, then the new count: do not race them. */
	struct timespec pause = {1, 0};
	nanosleep(&pause, NULL);
	if (sysfs_pf_numvfs(d->cfg.sysfs_root, pci, &numvfs, &err) < 0 || numvfs > 0)
		return;
	if (pf_prepare(&d->host, pci, n->cfg.numvfs, &err) < 0)
		sr_log_msg(&d->log, SR_LOG_ERROR, "network %.12s: %s", n->id, err.msg);
	else
		sr_log_msg(&d->log, SR_LOG_INFO, "network %.12s: PF %s (%s) had no VFs; enabled again", n->id, pf, pci);
}

static void retry_networks(struct daemon *d)
{
	struct state snap;
	if (snapshot(d, &snap) < 0)
		return;
	for (size_t i = 0; i < snap.net_count; i++)
		for (unsigned p = 0; snap.nets[i].cfg.mode == NET_MODE_SRIOV && p < snap.nets[i].cfg.pf_count; p++)
			retry_pf(d, &snap.nets[i], p);
	state_free(&snap);
}

void reconcile_sweep(struct daemon *d)
{
	drop_lost_endpoints(d);
	retry_networks(d);
	drop_released_home(d);
	reconcile_stale_endpoints(d);
	network_finish_pending_deletes(d);
	sr_log_msg(&d->log, SR_LOG_DEBUG, "sweep done"); /* tests count sweeps by it */
}

void reconcile_at_start(struct daemon *d)
{
	reconcile_networks(d);
	if (daemon_stop_requested(d))
		return;
	finish_interrupted_endpoints(d);
	if (daemon_stop_requested(d))
		return;
	reconcile_endpoints(d);
	if (daemon_stop_requested(d))
		return;
	/* a NIC that came back while we were down is put back as it was at once, not a sweep later */
	drop_released_home(d);
	if (daemon_stop_requested(d))
		return;
	reconcile_stale_endpoints(d);
	if (daemon_stop_requested(d))
		return;
	/* what is left in use: its VF as its record and network say (a crash in Join's trusted moment) */
	ep_repair_ready(d);
}
