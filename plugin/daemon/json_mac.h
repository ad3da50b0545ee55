/* json_mac: a MAC address as a JSON string (mac_text's form), for the state files and the
 * status view alike. NULL when out of memory, as jansson's constructors. */
#ifndef JSON_MAC_H
#define JSON_MAC_H

#include <jansson.h>
#include <stdint.h>

json_t *json_mac(const uint8_t mac[6]);

#endif
