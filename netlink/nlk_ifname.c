/* nlk_ifname: the kernel's own rules for a netdev name (dev_valid_name),
 * plus ':' which the kernel allows but aliases and `ip` treat specially. */
#include "nlk.h"

#include <string.h>

bool nlk_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len >= NLK_IFNAMSIZ)
		return false;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		/* control chars, space and DEL; bytes >= 0x80 are allowed as the kernel does */
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == ':')
			return false;
	}
	return true;
}
