/* state_record: a network's and an endpoint's record as JSON, the one form of both the record
 * files (networks/<id>.json, endpoints/<id>.json) and a version 1 state.json's entries. Only
 * what a record has is written (a VF's file is byte for byte what older versions wrote); a
 * reader refuses a missing or wrong-typed field, naming it. */
#ifndef STATE_RECORD_H
#define STATE_RECORD_H

#include <jansson.h>

#include "state.h"

/* NULL when out of memory. */
json_t *state_net_to_json(const struct net_record *n);
json_t *state_ep_to_json(const struct ep_record *e);
/* Fills *n / *e (zeroed first) from o; -1 with err naming the field. */
int state_net_from_json(json_t *o, struct net_record *n, sr_error *err);
int state_ep_from_json(json_t *o, struct ep_record *e, sr_error *err);

#endif
