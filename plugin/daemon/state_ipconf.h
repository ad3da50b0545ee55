/* state_ipconf: a passthrough endpoint's saved host addresses and routes (host_nic=allow) on disk,
 * in its record's "host" object, each key only when it has entries (a record without them, as
 * older versions wrote it, reads as none):
 *   "addresses": ["10.1.0.5/24", "fd00::5/64"]
 *   "routes": [{"dst": "0.0.0.0/0", "via": "10.1.0.1", "src": "", "table": 254, "metric": 100,
 *               "protocol": 4, "scope": 0}, ...]                 ("via"/"src" "" = none) */
#ifndef STATE_IPCONF_H
#define STATE_IPCONF_H

#include <jansson.h>

#include "../../common/sr_error.h"
#include "../../netlink/nlk.h"

/* Adds the keys to host; -1 on ENOMEM. */
int state_ipconf_to_json(const struct nlk_ipconf *c, json_t *host);
/* Reads them back; a malformed entry, or more than NLK_IPCONF_MAX, is corruption. */
int state_ipconf_from_json(json_t *host, struct nlk_ipconf *c, sr_error *err);

#endif
