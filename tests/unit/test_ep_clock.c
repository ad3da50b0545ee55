/* ep_clock: grace periods counted on a monotonic clock while running; records loaded at start
 * aged once by the wall clock (never negatively); a wall clock stepped afterwards changes no age. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../plugin/daemon/ep_clock.h"
#include "check.h"

static char clock_file[64];

static void step_clock(long long seconds)
{
	FILE *f = fopen(clock_file, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "%lld\n", seconds);
		fclose(f);
	}
}

int main(void)
{
	static struct daemon d;
	struct state st;
	struct ep_record e, loaded[3];
	long long now = (long long)time(NULL);
	int fd;
	snprintf(clock_file, sizeof(clock_file), "/tmp/test_ep_clock.XXXXXX");
	fd = mkstemp(clock_file);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	snprintf(d.cfg.test_clock_file, sizeof(d.cfg.test_clock_file), "%s", clock_file);

	/* the hook: the wall clock as the file says (empty = not stepped) */
	CHECK(llabs(ep_clock_wall(&d) - now) <= 1);
	step_clock(7200);
	CHECK(llabs(ep_clock_wall(&d) - (now + 7200)) <= 1);
	step_clock(0);

	/* marked while running: the wall clock recorded, the age from the monotonic clock */
	memset(&e, 0, sizeof(e));
	ep_clock_mark_joined(&d, &e);
	ep_clock_mark_unjoined(&d, &e);
	CHECK(llabs(e.joined_at - now) <= 1 && llabs(e.unjoined_at - now) <= 1);
	step_clock(7200); /* an NTP step */
	CHECK(ep_clock_since_joined(&e) <= 1 && ep_clock_since_unjoined(&e) <= 1);
	step_clock(-7200); /* and one back */
	CHECK(ep_clock_since_joined(&e) >= 0 && ep_clock_since_joined(&e) <= 1);
	/* marked under a stepped clock: saved as such, aged from now all the same */
	ep_clock_mark_unjoined(&d, &e);
	CHECK(llabs(e.unjoined_at - (now - 7200)) <= 1 && ep_clock_since_unjoined(&e) <= 1);
	step_clock(0);

	/* loaded at start: aged once by the wall clock; a record from the "future" is 0 s old */
	memset(&st, 0, sizeof(st));
	memset(loaded, 0, sizeof(loaded));
	loaded[0].joined_at = now - 1000;
	loaded[0].unjoined_at = now - 100;
	loaded[1].joined_at = now + 5000;
	loaded[1].unjoined_at = now + 5000;
	st.eps = loaded;
	st.ep_count = 2;
	ep_clock_anchor_loaded(&d, &st);
	CHECK(llabs(ep_clock_since_joined(&loaded[0]) - 1000) <= 1);
	CHECK(llabs(ep_clock_since_unjoined(&loaded[0]) - 100) <= 1);
	CHECK(ep_clock_since_joined(&loaded[1]) == 0 && ep_clock_since_unjoined(&loaded[1]) == 0);
	step_clock(86400); /* a day ahead after the start: the loaded ages do not move */
	CHECK(llabs(ep_clock_since_joined(&loaded[0]) - 1000) <= 1);
	CHECK(ep_clock_since_unjoined(&loaded[1]) == 0);

	/* never anchored (built by hand): the wall clock, as records were aged before */
	memset(&e, 0, sizeof(e));
	e.unjoined_at = now - 300;
	CHECK(llabs(ep_clock_since_unjoined(&e) - 300) <= 1);

	unlink(clock_file);
	return check_summary("ep_clock");
}
