/* vf_setup's step engine (vf_steps_run) with fake steps: what runs, what is retried, and that
 * a failure undoes every step either attempt began, even when the retry fails earlier than the
 * first attempt got; with an all-at-once apply, that the steps run one by one only when it
 * fails, and that a failure then undoes every step (the all-at-once apply may have done any). */
#include <errno.h>
#include <string.h>

#include "../../plugin/host/vf_setup.h"
#include "check.h"

#define NSTEPS 6

struct fake {
	int fail_step_in_attempt[2]; /* -1 = none */
	bool fail_finish[2];
	int attempt;
	int applied[NSTEPS];
	int undone[NSTEPS];
	int undo_order[NSTEPS * 2], undo_count;
	int retries;
	bool has_apply_all;
	bool fail_apply_all[2];
	int apply_all_calls;
};

static int fake_apply_all(void *p, sr_error *err)
{
	struct fake *f = p;
	f->apply_all_calls++;
	if (f->fail_apply_all[f->attempt])
		return sr_error_set(err, EOPNOTSUPP, "one request refused");
	for (int i = 0; i < NSTEPS; i++)
		f->applied[i]++;
	return 0;
}

static int fake_apply(void *p, int step, sr_error *err)
{
	struct fake *f = p;
	if (f->fail_step_in_attempt[f->attempt] == step)
		return sr_error_set(err, EIO, "step %d failed", step);
	f->applied[step]++;
	return 0;
}

static int fake_finish(void *p, sr_error *err)
{
	struct fake *f = p;
	bool fail = f->fail_finish[f->attempt];
	f->attempt++;
	return fail ? sr_error_set(err, EIO, "VF lost its admin MAC") : 0;
}

static void fake_undo(void *p, int step)
{
	struct fake *f = p;
	f->undone[step]++;
	f->undo_order[f->undo_count++] = step;
}

static void fake_retrying(void *p, const sr_error *why)
{
	struct fake *f = p;
	(void)why;
	f->retries++;
}

static void run(struct fake *f, int rc_want)
{
	struct vf_steps s = {fake_apply, fake_finish, fake_undo, fake_retrying, NSTEPS, f,
			     f->has_apply_all ? fake_apply_all : NULL};
	sr_error err = {0};
	CHECK(vf_steps_run(&s, &err) == rc_want);
	CHECK(rc_want == 0 ? err.msg[0] == '\0' : err.msg[0] != '\0');
}

static struct fake fresh(void)
{
	struct fake f;
	memset(&f, 0, sizeof(f));
	f.fail_step_in_attempt[0] = f.fail_step_in_attempt[1] = -1;
	return f;
}

int main(void)
{
	struct fake f = fresh();
	run(&f, 0); /* all good: no undo, no retry */
	CHECK(f.undo_count == 0 && f.retries == 0 && f.applied[NSTEPS - 1] == 1);

	f = fresh(); /* step 2 fails: steps 2,1,0 undone, no retry */
	f.fail_step_in_attempt[0] = 2;
	run(&f, -1);
	CHECK(f.retries == 0 && f.undo_count == 3);
	CHECK(f.undo_order[0] == 2 && f.undo_order[1] == 1 && f.undo_order[2] == 0);

	f = fresh(); /* end check fails once: retried, succeeds, nothing undone */
	f.fail_finish[0] = true;
	run(&f, 0);
	CHECK(f.retries == 1 && f.undo_count == 0 && f.applied[0] == 2);

	f = fresh(); /* first attempt applied all steps, the retry fails at step 1: all 6 undone */
	f.fail_finish[0] = true;
	f.fail_step_in_attempt[1] = 1;
	run(&f, -1);
	CHECK(f.retries == 1);
	CHECK(f.undo_count == NSTEPS);
	for (int i = 0; i < NSTEPS; i++)
		CHECK(f.undone[i] == 1);
	CHECK(f.undo_order[0] == NSTEPS - 1 && f.undo_order[NSTEPS - 1] == 0);

	f = fresh(); /* both end checks fail: all undone once, no third attempt */
	f.fail_finish[0] = f.fail_finish[1] = true;
	run(&f, -1);
	CHECK(f.retries == 1 && f.attempt == 2 && f.undo_count == NSTEPS);

	f = fresh(); /* all at once works: no step on its own, nothing undone */
	f.has_apply_all = true;
	f.fail_step_in_attempt[0] = 0; /* would fail if it ran */
	run(&f, 0);
	CHECK(f.apply_all_calls == 1 && f.applied[0] == 1 && f.applied[NSTEPS - 1] == 1 && f.undo_count == 0);

	f = fresh(); /* all at once refused: the steps run one by one and succeed */
	f.has_apply_all = true;
	f.fail_apply_all[0] = true;
	run(&f, 0);
	CHECK(f.apply_all_calls == 1 && f.applied[0] == 1 && f.applied[NSTEPS - 1] == 1 && f.undo_count == 0);

	f = fresh(); /* all at once refused, then step 1 fails: every step undone, not only 1 and 0 */
	f.has_apply_all = true;
	f.fail_apply_all[0] = true;
	f.fail_step_in_attempt[0] = 1;
	run(&f, -1);
	CHECK(f.undo_count == NSTEPS && f.undo_order[0] == NSTEPS - 1 && f.undo_order[NSTEPS - 1] == 0);

	f = fresh(); /* all at once, end check fails twice: retried all at once, all undone */
	f.has_apply_all = true;
	f.fail_finish[0] = f.fail_finish[1] = true;
	run(&f, -1);
	CHECK(f.apply_all_calls == 2 && f.retries == 1 && f.undo_count == NSTEPS);
	return check_summary("vf_setup");
}
