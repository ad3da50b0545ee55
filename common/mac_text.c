#include "mac_text.h"

#include <stdio.h>

void mac_text(const uint8_t mac[6], char out[MAC_TEXT_MAX])
{
	snprintf(out, MAC_TEXT_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}
