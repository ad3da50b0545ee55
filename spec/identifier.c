/* identifier: the one rule for NetworkID / EndpointID / PoolID. They end up in
 * file names and log lines, so only a safe alphabet is let through. */
#include <string.h>

#include "spec.h"

static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '.' || c == '-';
}

bool spec_id_valid(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		if (n >= SPEC_ID_MAX || !id_char(s[n]))
			return false;
	}
	return n > 0;
}
