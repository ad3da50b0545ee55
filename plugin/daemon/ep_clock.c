#include "ep_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long boot_ms(void)
{
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* 0 means "not anchored": an anchor that happens to be 0 is moved by 1 ms. */
static long long anchor(long long ms)
{
	return ms ? ms : -1;
}

long long ep_clock_wall(const struct daemon *d)
{
	long long now = (long long)time(NULL);
	char text[32] = "";
	FILE *f;
	if (!d->cfg.test_clock_file[0])
		return now;
	f = fopen(d->cfg.test_clock_file, "r");
	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
	}
	return now + strtoll(text, NULL, 10);
}

void ep_clock_mark_joined(const struct daemon *d, struct ep_record *e)
{
	e->joined_at = ep_clock_wall(d);
	e->joined_mono_ms = anchor(boot_ms());
}

void ep_clock_mark_unjoined(const struct daemon *d, struct ep_record *e)
{
	e->unjoined_at = ep_clock_wall(d);
	e->unjoined_mono_ms = anchor(boot_ms());
}

static long long since(long long wall_at, long long mono_ms)
{
	if (!mono_ms)
		return (long long)time(NULL) - wall_at;
	return (boot_ms() - mono_ms) / 1000;
}

long long ep_clock_since_joined(const struct ep_record *e)
{
	return since(e->joined_at, e->joined_mono_ms);
}

long long ep_clock_since_unjoined(const struct ep_record *e)
{
	return since(e->unjoined_at, e->unjoined_mono_ms);
}

static long long loaded_anchor(long long wall_now, long long mono_now, long long wall_at)
{
	long long age = wall_now - wall_at;
	return anchor(mono_now - (age > 0 ? age : 0) * 1000);
}

void ep_clock_anchor_loaded(const struct daemon *d, struct state *st)
{
	long long wall_now = ep_clock_wall(d), mono_now = boot_ms();
	for (size_t i = 0; i < st->ep_count; i++) {
		struct ep_record *e = &st->eps[i];
		e->joined_mono_ms = loaded_anchor(wall_now, mono_now, e->joined_at);
		e->unjoined_mono_ms = loaded_anchor(wall_now, mono_now, e->unjoined_at);
	}
}
