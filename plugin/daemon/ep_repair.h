/* ep_repair: at start, before serving, every READY endpoint's VF checked through its PF against
 * its record and its network's settings, and repaired where it differs (vf_repair.h), each repair
 * logged. A crash can leave a VF in use as no record says: Join trusts an untrusted network's VF
 * for the moment it takes its admin MAC (no record covers that moment, as CREATING covers
 * CreateEndpoint's), and nothing else looks at READY VFs again. Works on a copy of the state:
 * nothing in the records changes. */
#ifndef EP_REPAIR_H
#define EP_REPAIR_H

#include "daemon.h"

void ep_repair_ready(struct daemon *d);

#endif
